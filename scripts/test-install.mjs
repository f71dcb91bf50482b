#!/usr/bin/env node
// Installs the five published packages into new Backstage apps the way an installer would:
// packs them as `yarn npm publish` would, creates an app with the newest
// @backstage/create-app, applies the install steps of the package READMEs, starts the app
// against the sandbox and checks it in headless Chromium (e2e-install/).
//
//   yarn test:install [--only next|legacy] [--keep] [--reuse]
//
// --reuse (with INSTALL_WORK_DIR of a kept run): keeps the tarballs and installed apps and
// starts from the configuration, for debugging.
// next: the new frontend system (the default app); legacy: `create-app --legacy`
// (EntityLayout). The apps live in a temporary directory (INSTALL_WORK_DIR to choose it),
// removed at the end unless --keep. Ports: INSTALL_FRONTEND_PORT (3100),
// INSTALL_BACKEND_PORT (7107), INSTALL_SANDBOX_PORT (7110), away from `yarn start`'s.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : '';
const flavours = only ? [only] : ['next', 'legacy'];
if (!flavours.every(f => f === 'next' || f === 'legacy')) {
  throw new Error(`--only takes next or legacy, not ${only}`);
}
const reuse = args.includes('--reuse');
const keep = args.includes('--keep') || reuse;

const PORTS = {
  frontend: Number(process.env.INSTALL_FRONTEND_PORT ?? 3100),
  backend: Number(process.env.INSTALL_BACKEND_PORT ?? 7107),
  sandbox: Number(process.env.INSTALL_SANDBOX_PORT ?? 7110),
};
const FRONTEND = `http://localhost:${PORTS.frontend}`;
const BACKEND = `http://localhost:${PORTS.backend}`;
const SANDBOX = `http://localhost:${PORTS.sandbox}`;

// Upper bounds per step, so that CI fails instead of hanging.
const MINUTE = 60_000;
const LIMITS = {
  build: 10 * MINUTE,
  create: 5 * MINUTE,
  install: 15 * MINUTE,
  start: 8 * MINUTE,
  check: 6 * MINUTE,
};

const PACKAGES = [
  ['plugins/apigee-credentials-common', 'common'],
  ['plugins/apigee-credentials-node', 'node'],
  ['plugins/apigee-credentials-backend', 'backend'],
  ['plugins/scaffolder-backend-module-apigee-credentials', 'scaffolder'],
  ['plugins/apigee-credentials', 'frontend'],
].map(([dir, key]) => ({
  dir,
  key,
  name: JSON.parse(
    fs.readFileSync(path.join(ROOT, dir, 'package.json'), 'utf8'),
  ).name,
  version: JSON.parse(
    fs.readFileSync(path.join(ROOT, dir, 'package.json'), 'utf8'),
  ).version,
}));
const pkg = key => PACKAGES.find(p => p.key === key);

const WORK = process.env.INSTALL_WORK_DIR
  ? path.resolve(process.env.INSTALL_WORK_DIR)
  : fs.mkdtempSync(path.join(os.tmpdir(), 'keyrotation-install-'));
fs.mkdirSync(WORK, { recursive: true });
const LOGS = path.join(WORK, 'logs');
fs.mkdirSync(LOGS, { recursive: true });

// Yarn asks this registry (as `.ci/env.sh` sets it); never written into a file.
if (!process.env.YARN_NPM_REGISTRY_SERVER) {
  const registry = spawnSync('npm', ['config', 'get', 'registry'], {
    encoding: 'utf8',
  }).stdout.trim();
  process.env.YARN_NPM_REGISTRY_SERVER = registry.replace(/\/$/, '');
}

// A `yarn` command as an installer has one: a project's own release inside a Yarn project,
// this repository's release elsewhere (create-app runs `yarn -v` outside any project).
const BIN = path.join(WORK, 'bin');
fs.mkdirSync(BIN, { recursive: true });
const ourYarn = fs
  .readdirSync(path.join(ROOT, '.yarn/releases'))
  .filter(f => /^yarn-.*\.cjs$/.test(f))
  .sort()
  .pop();
fs.writeFileSync(
  path.join(BIN, 'yarn'),
  `#!/bin/sh
root=$(pwd)
while [ "$root" != "/" ] && [ ! -f "$root/.yarnrc.yml" ]; do root=$(dirname "$root"); done
release=$(ls "$root"/.yarn/releases/yarn-*.cjs 2>/dev/null | tail -n 1)
exec node "\${release:-${path.join(ROOT, '.yarn/releases', ourYarn)}}" "$@"
`,
  { mode: 0o755 },
);
const ENV = {
  ...process.env,
  PATH: `${BIN}${path.delimiter}${process.env.PATH}`,
  CI: 'true',
  // Nothing of this repository's Yarn or Node set-up leaks into the new apps.
  YARN_ENABLE_IMMUTABLE_INSTALLS: 'false',
  NODE_OPTIONS: '',
};

const timings = [];
const started = Date.now();
const seconds = since => `${((Date.now() - since) / 1000).toFixed(0)}s`;

async function step(name, fn) {
  const t0 = Date.now();
  console.log(`\n=== ${name}`);
  try {
    const result = await fn();
    timings.push(`ok   ${name} (${seconds(t0)})`);
    return result;
  } catch (error) {
    timings.push(`FAIL ${name} (${seconds(t0)})`);
    throw error;
  }
}

/** Runs a command to completion, output in a log file; its tail is printed on failure. */
function run(command, commandArgs, { cwd, timeout, log, env = ENV }) {
  const logFile = path.join(LOGS, `${log}.log`);
  console.log(
    `$ (${path.relative(WORK, cwd) || cwd}) ${command} ${commandArgs.join(
      ' ',
    )}`,
  );
  const out = fs.openSync(logFile, 'a');
  const result = spawnSync(command, commandArgs, {
    cwd,
    env,
    stdio: ['ignore', out, out],
    timeout,
    killSignal: 'SIGKILL',
  });
  fs.closeSync(out);
  if (result.status !== 0) {
    const tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-60);
    console.log(tail.join('\n'));
    const why = result.error
      ? result.error.message
      : result.signal
      ? `killed (${result.signal}) after ${timeout / 1000}s`
      : `exit code ${result.status}`;
    throw new Error(
      `${command} ${commandArgs.join(' ')}: ${why}; log: ${logFile}`,
    );
  }
}

const children = new Set();

/** Starts a long-running process in its own process group, output in a log file. */
function startProcess(name, command, commandArgs, { cwd }) {
  const logFile = path.join(LOGS, `${name}.log`);
  const out = fs.openSync(logFile, 'a');
  console.log(
    `$ (${path.relative(WORK, cwd) || cwd}) ${command} ${commandArgs.join(
      ' ',
    )} &`,
  );
  const child = spawn(command, commandArgs, {
    cwd,
    env: ENV,
    stdio: ['ignore', out, out],
    detached: true,
  });
  fs.closeSync(out);
  child.logFile = logFile;
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

async function stopProcess(child) {
  if (!children.has(child)) return;
  const exited = new Promise(resolve => child.once('exit', resolve));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }, 10_000);
  await exited;
  clearTimeout(timer);
}

async function waitFor(url, { timeout, child, what }) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) {
      console.log(
        fs
          .readFileSync(child.logFile, 'utf8')
          .split('\n')
          .slice(-60)
          .join('\n'),
      );
      throw new Error(
        `${what} exited (code ${child.exitCode}) before ${url} answered`,
      );
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      if (res.ok) return;
    } catch {
      // not yet
    }
    await new Promise(r => setTimeout(r, 2000));
  }
  if (child) {
    console.log(
      fs.readFileSync(child.logFile, 'utf8').split('\n').slice(-60).join('\n'),
    );
  }
  throw new Error(`${what}: ${url} did not answer within ${timeout / 1000}s`);
}

function edit(file, transform) {
  const before = fs.readFileSync(file, 'utf8');
  const after = transform(before);
  if (after === before) throw new Error(`${file}: edit changed nothing`);
  fs.writeFileSync(file, after);
}

/** Inserts `text` before the first match of `anchor` (a string or RegExp); fails without one. */
function insertBefore(source, anchor, text, file) {
  const index =
    typeof anchor === 'string' ? source.indexOf(anchor) : source.search(anchor);
  if (index < 0) throw new Error(`${file}: no ${anchor} to insert before`);
  return source.slice(0, index) + text + source.slice(index);
}

// ---------------------------------------------------------------------------------------

async function packPackages() {
  const out = path.join(WORK, 'packages');
  fs.mkdirSync(out, { recursive: true });
  // Declarations for the packages' type bundles.
  run('yarn', ['tsc'], { cwd: ROOT, timeout: LIMITS.build, log: 'pack' });
  for (const p of PACKAGES) {
    run('yarn', ['build'], {
      cwd: path.join(ROOT, p.dir),
      timeout: LIMITS.build,
      log: 'pack',
    });
    p.tarball = path.join(out, `${p.key}.tgz`);
    // What `yarn npm publish` uploads: prepack, `workspace:^` replaced, `files` only.
    run('yarn', ['pack', '--out', p.tarball], {
      cwd: path.join(ROOT, p.dir),
      timeout: LIMITS.build,
      log: 'pack',
    });
  }
  const listing = spawnSync('tar', ['tzf', pkg('backend').tarball], {
    encoding: 'utf8',
  }).stdout;
  for (const file of ['package/config.schema.json', 'package/migrations/']) {
    if (!listing.split('\n').some(l => l.startsWith(file))) {
      throw new Error(`the backend tarball lacks ${file}`);
    }
  }
}

async function startSandbox() {
  const sandbox = startProcess(
    'sandbox',
    'yarn',
    [
      'workspace',
      '@keyrotation/apigee-sandbox',
      'start',
      '--port',
      String(PORTS.sandbox),
    ],
    { cwd: ROOT },
  );
  await waitFor(`${SANDBOX}/_sandbox/health`, {
    timeout: MINUTE,
    child: sandbox,
    what: 'sandbox',
  });
  return sandbox;
}

function createApp(flavour) {
  const dir = path.join(WORK, flavour);
  fs.rmSync(dir, { recursive: true, force: true });
  run(
    'npx',
    [
      '--yes',
      '@backstage/create-app@latest',
      '--path',
      dir,
      '--skip-install',
      ...(flavour === 'legacy' ? ['--legacy'] : []),
    ],
    {
      cwd: WORK,
      timeout: LIMITS.create,
      log: `${flavour}-create`,
      env: { ...ENV, BACKSTAGE_APP_NAME: `install-${flavour}` },
    },
  );
  return dir;
}

/**
 * The registry, stood in for by the tarballs: every range of our packages, direct or
 * between them, resolves to its tarball. Nothing else about the app changes.
 */
function useTarballs(app) {
  edit(path.join(app, 'package.json'), text => {
    const json = JSON.parse(text);
    json.resolutions = { ...json.resolutions };
    for (const p of PACKAGES) json.resolutions[p.name] = `file:${p.tarball}`;
    return `${JSON.stringify(json, null, 2)}\n`;
  });
}

/**
 * `yarn --cwd <workspace> add <package>`, the READMEs' command. The packages are not in the
 * registry (their tarballs are, by the resolutions above), and Yarn's `add` looks a package
 * up there even so; the dependency goes into package.json and the next install adds it.
 */
function addDependency(app, workspace, p) {
  edit(path.join(app, workspace, 'package.json'), text => {
    const json = JSON.parse(text);
    json.dependencies = { ...json.dependencies, [p.name]: `^${p.version}` };
    return `${JSON.stringify(json, null, 2)}\n`;
  });
}

/**
 * The backend README's requirement: the app on the Backstage release the packages are built
 * for. `yarn backstage-cli versions:bump` reads the release manifest from
 * versions.backstage.io, which this machine cannot reach; for the newest release it comes to
 * moving every @backstage package to its newest version in the registry, as `yarn up` does.
 * The same run installs the packages added to package.json.
 *
 * A new app has no lockfile, so every range resolves to its newest version. Under the app's
 * age gate (npmMinimalAgeGate) that fails when a package is just old enough and the exact
 * version it depends on is not yet (playwright and playwright-core, published 53 minutes
 * apart). Such a dependency, and only it, is let through the gate, and the install repeated.
 */
function bumpAndInstall(app, flavour) {
  const log = path.join(LOGS, `${flavour}-install.log`);
  for (let attempt = 1; ; attempt++) {
    const offset = fs.existsSync(log) ? fs.statSync(log).size : 0;
    try {
      run('yarn', ['up', '@backstage/*'], {
        cwd: app,
        timeout: LIMITS.install,
        log: `${flavour}-install`,
      });
      return;
    } catch (error) {
      const output = fs.readFileSync(log, 'utf8').slice(offset);
      const quarantined = [
        ...output.matchAll(
          /YN0016: .*?(@?[^\s@]+)@npm:\S+: All versions satisfying/g,
        ),
      ].map(m => m[1]);
      if (attempt > 3 || quarantined.length === 0) throw error;
      console.log(
        `[install] just under the age gate: ${quarantined.join(
          ', ',
        )}; let through`,
      );
      edit(path.join(app, '.yarnrc.yml'), text =>
        text.replace(
          /^npmPreapprovedPackages:\n/m,
          `npmPreapprovedPackages:\n${quarantined
            .map(n => `  - '${n}'\n`)
            .join('')}`,
        ),
      );
    }
  }
}

/**
 * One release: every @backstage package that this repository also uses is at the version
 * the packages are tested with. A second, older copy that one of the app's own packages
 * still asks for (the newest @backstage/app-defaults wants frontend-plugin-api 0.18) is
 * reported, not failed.
 */
function checkOneRelease(app) {
  const lock = file => {
    const versions = new Map();
    for (const block of fs.readFileSync(file, 'utf8').split('\n\n')) {
      const name = /^"(@backstage\/[^@"]+)@/.exec(block)?.[1];
      const version = /^ {2}version: "?([^"\n]+)"?$/m.exec(block)?.[1];
      if (name && version) {
        versions.set(name, new Set([...(versions.get(name) ?? []), version]));
      }
    }
    return versions;
  };
  const inApp = lock(path.join(app, 'yarn.lock'));
  const ours = lock(path.join(ROOT, 'yarn.lock'));
  const problems = [];
  for (const [name, versions] of inApp) {
    const mine = [...(ours.get(name) ?? [])].sort().pop();
    if (mine && !versions.has(mine)) {
      problems.push(
        `${name} ${[...versions].join(', ')} in the app, ${mine} here`,
      );
    } else if (versions.size > 1) {
      console.log(
        `[install] note: two copies of ${name} (${[...versions].join(', ')})`,
      );
    }
  }
  if (problems.length) {
    throw new Error(
      `the app is not on the packages' release:\n  ${problems.join('\n  ')}`,
    );
  }
}

/** Backend README, "Installation", and scaffolder module README, "Install". */
function installBackend(app) {
  addDependency(app, 'packages/backend', pkg('backend'));
  addDependency(app, 'packages/backend', pkg('scaffolder'));
  const index = path.join(app, 'packages/backend/src/index.ts');
  edit(index, source =>
    insertBefore(
      source,
      'backend.start();',
      `backend.add(import('${pkg('backend').name}'));
backend.add(
  import(
    '${pkg('scaffolder').name}'
  ),
);

`,
      index,
    ),
  );
}

/** Frontend README, "Installing in an app on the new frontend system": discovery does the rest. */
function installFrontendNext(app) {
  addDependency(app, 'packages/app', pkg('frontend'));
  const config = fs.readFileSync(path.join(app, 'app-config.yaml'), 'utf8');
  if (!/^\s+packages: all\b/m.test(config)) {
    throw new Error(
      'the new app does not discover plugins (app.packages: all)',
    );
  }
}

/** Frontend README, "Installing in a legacy app". */
function installFrontendLegacy(app) {
  addDependency(app, 'packages/app', pkg('frontend'));
  const name = pkg('frontend').name;
  const entityPage = path.join(
    app,
    'packages/app/src/components/catalog/EntityPage.tsx',
  );
  edit(entityPage, source => {
    let s = `import {
  EntityApigeeCredentialsCard,
  EntityApigeeCredentialsContent,
  isApigeeCredentialsAvailable,
} from '${name}';
${source}`;
    // The card, last in the overview grid.
    const overview = s.indexOf('const overviewContent = (');
    if (overview < 0) throw new Error(`${entityPage}: no overviewContent`);
    const gridEnd = s.indexOf('  </Grid>\n);', overview);
    if (gridEnd < 0)
      throw new Error(`${entityPage}: no end of the overview grid`);
    s = `${s.slice(0, gridEnd)}    <EntitySwitch>
      <EntitySwitch.Case if={isApigeeCredentialsAvailable}>
        <Grid item md={6}>
          <EntityApigeeCredentialsCard />
        </Grid>
      </EntitySwitch.Case>
    </EntitySwitch>
${s.slice(gridEnd)}`;
    // The tab, last in the service entity page.
    const service = s.indexOf('const serviceEntityPage = (');
    if (service < 0) throw new Error(`${entityPage}: no serviceEntityPage`);
    const layoutEnd = s.indexOf('  </EntityLayout>', service);
    if (layoutEnd < 0)
      throw new Error(`${entityPage}: no end of the service EntityLayout`);
    return `${s.slice(0, layoutEnd)}    <EntityLayout.Route
      path="/apigee-credentials"
      title="Apigee credentials"
      if={isApigeeCredentialsAvailable}
    >
      <EntityApigeeCredentialsContent />
    </EntityLayout.Route>
${s.slice(layoutEnd)}`;
  });
  const appTsx = path.join(app, 'packages/app/src/App.tsx');
  edit(appTsx, source =>
    insertBefore(
      `import { ApigeeCredentialsFleetPage } from '${name}';\n${source}`,
      '  </FlatRoutes>',
      `    <Route path="/apigee-credentials" element={<ApigeeCredentialsFleetPage />} />\n`,
      appTsx,
    ),
  );
  const root = path.join(app, 'packages/app/src/components/Root/Root.tsx');
  edit(root, source =>
    insertBefore(
      `import VpnKeyIcon from '@material-ui/icons/VpnKey';\n${source}`,
      /\n\s*<SidebarItem icon=\{CreateComponentIcon\}/,
      `
        <SidebarItem
          icon={VpnKeyIcon}
          to="apigee-credentials"
          text="Apigee credentials"
        />`,
      root,
    ),
  );
}

/**
 * Backend README, "Configuration" (pointed at the sandbox), and the scaffolder module
 * README's template and local catalog directory. The demo catalog (examples/) stands in for
 * the installer's own entities. In app-config.local.yaml, which `yarn start` reads.
 */
function configure(app) {
  const examples = path.join(ROOT, 'examples');
  const template = path.join(
    app,
    'node_modules',
    pkg('scaffolder').name,
    'templates/apigee-consumer',
  );
  fs.cpSync(template, path.join(app, 'templates/apigee-consumer'), {
    recursive: true,
  });
  fs.mkdirSync(path.join(app, 'generated'), { recursive: true });
  fs.writeFileSync(
    path.join(app, 'app-config.local.yaml'),
    `app:
  baseUrl: ${FRONTEND}
backend:
  baseUrl: ${BACKEND}
  listen:
    port: ${PORTS.backend}
  cors:
    origin: ${FRONTEND}
    methods: [GET, HEAD, PATCH, POST, PUT, DELETE]
    credentials: true
    exposedHeaders: [Retry-After]

catalog:
  rules:
    - allow: [Component, System, API, Resource, Location, Template]
  locations:
    - type: file
      target: ${path.join(examples, 'components.yaml')}
    - type: file
      target: ${path.join(examples, 'org.yaml')}
      rules:
        - allow: [User, Group]
    - type: file
      target: ../../templates/apigee-consumer/template.yaml
      rules:
        - allow: [Template]
    - type: file
      target: ../../generated/*/*/catalog-info.yaml
      rules:
        - allow: [Component, API, Resource, System]

scaffolder:
  apigeeCredentials:
    localCatalogDirectory: ../../generated

aws:
  accounts:
    - accountId: '111111111111'
      accessKeyId: TESTSANDBOX111111111
      secretAccessKey: sandbox-secret-access-key-111111111111

apigeeCredentials:
  providers:
    - name: acme-edge
      type: edge
      organization: acme-edge
      baseUrl: ${SANDBOX}
      auth:
        type: oauth
        tokenUrl: ${SANDBOX}/oauth/token
        username: admin@example.com
        password: sandbox-admin-password
    - name: acme-x
      type: x
      organization: acme-x
      baseUrl: ${SANDBOX}
      auth:
        type: accessToken
        token: sandbox-acme-x-token
  aws:
    allowedAccountIds: ['111111111111']
    endpoint: ${SANDBOX}
  probeHosts:
    - name: sandbox-gateway
      baseUrl: ${SANDBOX}/gateway
      pathPrefixes: ['/acme-edge/orders', '/acme-x/orders']
  rotation:
    keyPropagationDelay: { seconds: 0 }
    # examples/components.yaml gives orders-service a 10-minute grace period (default floor 1 h).
    minimumGracePeriod: { minutes: 10 }
  manualRotationCooldown: { seconds: 30 }
  schedule:
    frequency: { seconds: 30 }
    initialDelay: { seconds: 5 }
`,
  );
}

async function startApp(app, flavour) {
  const portal = startProcess(`${flavour}-start`, 'yarn', ['start'], {
    cwd: app,
  });
  await waitFor(`${BACKEND}/.backstage/health/v1/readiness`, {
    timeout: LIMITS.start,
    child: portal,
    what: `${flavour} app`,
  });
  await waitFor(FRONTEND, {
    timeout: LIMITS.start,
    child: portal,
    what: `${flavour} app`,
  });
  return portal;
}

function check(flavour) {
  fs.rmSync(path.join(LOGS, `${flavour}-check.log`), { force: true });
  run(
    'yarn',
    ['playwright', 'test', '--config', 'e2e-install/playwright.config.ts'],
    {
      cwd: ROOT,
      timeout: LIMITS.check,
      log: `${flavour}-check`,
      env: {
        ...ENV,
        INSTALL_FLAVOUR: flavour,
        PLAYWRIGHT_URL: FRONTEND,
        INSTALL_SANDBOX_URL: SANDBOX,
      },
    },
  );
  console.log(
    fs.readFileSync(path.join(LOGS, `${flavour}-check.log`), 'utf8').trim(),
  );
}

async function main() {
  console.log(`[install] working in ${WORK}; logs in ${LOGS}`);
  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!fs.existsSync(chromium)) {
    throw new Error(
      `no Chromium at ${chromium} (apt-get install chromium, or set CHROMIUM_PATH)`,
    );
  }
  if (reuse) {
    for (const p of PACKAGES)
      p.tarball = path.join(WORK, 'packages', `${p.key}.tgz`);
  } else {
    await step('build and pack the five packages', packPackages);
  }
  const sandbox = await step('start the sandbox', startSandbox);
  try {
    for (const flavour of flavours) {
      const app = path.join(WORK, flavour);
      if (!reuse) {
        await step(`${flavour}: create the app`, () => createApp(flavour));
        await step(`${flavour}: install as the READMEs say`, () => {
          useTarballs(app);
          installBackend(app);
          if (flavour === 'next') installFrontendNext(app);
          else installFrontendLegacy(app);
          bumpAndInstall(app, flavour);
        });
      }
      configure(app);
      checkOneRelease(app);
      const portal = await step(`${flavour}: start the app`, () =>
        startApp(app, flavour),
      );
      try {
        await step(`${flavour}: check it in Chromium`, () => check(flavour));
      } finally {
        await stopProcess(portal);
      }
    }
  } finally {
    await stopProcess(sandbox);
  }
}

let failed = false;
try {
  await main();
} catch (error) {
  failed = true;
  console.error(`\n[install] FAILED: ${error.message}`);
} finally {
  for (const child of [...children]) await stopProcess(child);
  console.log(`\n${timings.join('\n')}\ntotal ${seconds(started)}`);
  if (!keep && !failed) fs.rmSync(WORK, { recursive: true, force: true });
  else console.log(`[install] kept ${WORK}`);
}
process.exit(failed ? 1 : 0);
