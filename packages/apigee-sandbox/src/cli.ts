/* eslint-disable no-console */
import { parseArgs } from 'node:util';
import { startSandbox } from './server';

const USAGE = `Usage: apigee-sandbox [options]

  --port <n>                    port to listen on (env SANDBOX_PORT, default 7010; 0 = any free port)
  --host <addr>                 interface to bind (env SANDBOX_HOST, default 127.0.0.1)
  --seed <file>                 YAML/JSON seed (env SANDBOX_SEED, default seed/default.yaml)
  --persist <file>              load state from / save state to this file (env SANDBOX_PERSIST)
  --propagation-delay-ms <n>    Apigee key-cache delay at the gateway (env SANDBOX_PROPAGATION_DELAY_MS, default 0)
  --token-lifetime-seconds <n>  Edge access-token lifetime (env SANDBOX_TOKEN_LIFETIME_SECONDS, default 1799)
  --analytics-delay-ms <n>      delay before a gateway call shows in the stats API (env SANDBOX_ANALYTICS_DELAY_MS, default 0)
  --help                        show this help

Command-line flags win over environment variables.`;

function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) {
    throw new Error(`${name} must be a non-negative integer, got ${value}`);
  }
  return parsed;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      seed: { type: 'string' },
      persist: { type: 'string' },
      'propagation-delay-ms': { type: 'string' },
      'token-lifetime-seconds': { type: 'string' },
      'analytics-delay-ms': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const env = process.env;
  const sandbox = await startSandbox({
    port: integer('--port', values.port ?? env.SANDBOX_PORT) ?? 7010,
    host: values.host ?? env.SANDBOX_HOST ?? '127.0.0.1',
    seed: values.seed ?? env.SANDBOX_SEED,
    persistPath: values.persist ?? env.SANDBOX_PERSIST,
    propagationDelayMs: integer(
      '--propagation-delay-ms',
      values['propagation-delay-ms'] ?? env.SANDBOX_PROPAGATION_DELAY_MS,
    ),
    tokenLifetimeSeconds: integer(
      '--token-lifetime-seconds',
      values['token-lifetime-seconds'] ?? env.SANDBOX_TOKEN_LIFETIME_SECONDS,
    ),
    analyticsDelayMs: integer(
      '--analytics-delay-ms',
      values['analytics-delay-ms'] ?? env.SANDBOX_ANALYTICS_DELAY_MS,
    ),
    logger: {
      info: message => console.log(`[apigee-sandbox] ${message}`),
      warn: message => console.warn(`[apigee-sandbox] ${message}`),
      error: message => console.error(`[apigee-sandbox] ${message}`),
    },
  });
  console.log(`[apigee-sandbox] listening on ${sandbox.url}`);
  console.log(
    `[apigee-sandbox]   Apigee management: ${sandbox.url}/v1/organizations/{org} (Edge also /v1/o/{org}), analytics …/environments/{env}/stats/{dimensions}`,
  );
  console.log(
    `[apigee-sandbox]   Edge token: ${sandbox.url}/oauth/token  Google token: ${sandbox.url}/token`,
  );
  console.log(
    `[apigee-sandbox]   Secrets Manager endpoint: ${sandbox.url}  gateway: ${sandbox.url}/gateway/{org}/…  control: ${sandbox.url}/_sandbox`,
  );

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[apigee-sandbox] ${signal} received, stopping`);
    sandbox.stop().then(
      () => process.exit(0),
      error => {
        console.error(`[apigee-sandbox] stop failed: ${error.message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch(error => {
  console.error(
    `[apigee-sandbox] ${error instanceof Error ? error.message : error}`,
  );
  process.exit(1);
});
