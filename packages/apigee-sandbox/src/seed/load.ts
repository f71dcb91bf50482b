import { createHash, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ApigeeStateData, Organization } from '../apigee/types';
import {
  RELATIVE_TIME_PATTERN,
  SandboxSeed,
  ValidatedSeed,
  sandboxSeedSchema,
} from './schema';

/** The seed shipped with the package (matches the demo catalog). */
export const DEFAULT_SEED_PATH = resolve(
  dirname(require.resolve('@keyrotation/apigee-sandbox/package.json')),
  'seed/default.yaml',
);

/** A seed that cannot be used; the message lists every problem with its location. */
export class SeedValidationError extends Error {
  constructor(source: string, readonly problems: string[]) {
    super(
      `Invalid sandbox seed (${source}):\n${problems
        .map(p => `  - ${p}`)
        .join('\n')}`,
    );
    this.name = 'SeedValidationError';
  }
}

/** Reads a YAML or JSON seed file and validates it. */
export function loadSeedFile(path: string): ValidatedSeed {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new SeedValidationError(path, [
      `cannot read or parse the file: ${(error as Error).message}`,
    ]);
  }
  return validateSeed(raw, { source: path, baseDir: dirname(path) });
}

/** Accepts a seed object, a file path, or nothing (the default seed). */
export function resolveSeed(
  seed: SandboxSeed | string | undefined,
): ValidatedSeed {
  if (seed === undefined) return loadSeedFile(DEFAULT_SEED_PATH);
  if (typeof seed === 'string') return loadSeedFile(resolve(seed));
  return validateSeed(seed, { source: 'seed object', baseDir: process.cwd() });
}

/**
 * Validates shape (zod) and cross-references (unique names and keys, known products and
 * accounts, dialect-specific fields). Throws {@link SeedValidationError} listing all problems.
 */
export function validateSeed(
  raw: unknown,
  options: { source: string; baseDir: string },
): ValidatedSeed {
  const parsed = sandboxSeedSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new SeedValidationError(
      options.source,
      parsed.error.issues.map(formatIssue),
    );
  }
  const seed = parsed.data;
  const problems: string[] = [];
  resolvePublicKeys(seed, options.baseDir, problems);
  checkApigee(seed, problems);
  checkAws(seed, problems);
  if (problems.length > 0) {
    throw new SeedValidationError(options.source, problems);
  }
  return seed;
}

function formatIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path
    .map((part, i) =>
      typeof part === 'number' ? `[${part}]` : `${i ? '.' : ''}${String(part)}`,
    )
    .join('');
  return `${path || '(root)'}: ${issue.message}`;
}

function resolvePublicKeys(
  seed: ValidatedSeed,
  baseDir: string,
  problems: string[],
): void {
  seed.apigee.organizations.forEach((org, o) =>
    org.serviceAccounts.forEach((account, a) => {
      const at = `apigee.organizations[${o}].serviceAccounts[${a}]`;
      try {
        if (account.publicKeyFile) {
          account.publicKeyPem = readPublicKey(
            resolve(baseDir, account.publicKeyFile),
          );
          delete account.publicKeyFile;
        }
        // Normalises and checks the PEM.
        account.publicKeyPem = createPublicKey(account.publicKeyPem!)
          .export({ type: 'spki', format: 'pem' })
          .toString();
      } catch (error) {
        problems.push(
          `${at}: unusable public key: ${(error as Error).message}`,
        );
      }
    }),
  );
}

/** Reads a PEM public key, or derives it from a Google service-account key JSON file. */
function readPublicKey(path: string): string {
  const text = readFileSync(path, 'utf8');
  if (text.trimStart().startsWith('{')) {
    const json = JSON.parse(text) as { private_key?: string };
    if (!json.private_key) throw new Error(`${path} has no private_key`);
    return createPublicKey(json.private_key)
      .export({ type: 'spki', format: 'pem' })
      .toString();
  }
  return text;
}

function checkApigee(seed: ValidatedSeed, problems: string[]): void {
  const orgNames = new Set<string>();
  const usersByName = new Map<string, string>();
  const accountKeys = new Map<string, string>();
  seed.apigee.organizations.forEach((org, o) => {
    const at = `apigee.organizations[${o}] (${org.name})`;
    if (orgNames.has(org.name))
      problems.push(`${at}: duplicate organization name`);
    orgNames.add(org.name);
    if (org.dialect === 'edge') {
      if (org.accessTokens.length || org.serviceAccounts.length) {
        problems.push(
          `${at}: accessTokens and serviceAccounts are for dialect x only`,
        );
      }
    } else if (org.users.length) {
      problems.push(
        `${at}: users are for dialect edge only (X uses bearer tokens)`,
      );
    }
    for (const user of org.users) {
      // The SSO service is global, so a user must be the same person in every org.
      const identity = JSON.stringify([user.password, user.mfaCode ?? null]);
      const known = usersByName.get(user.username.toLowerCase());
      if (known && known !== identity) {
        problems.push(
          `${at}: user ${user.username} is declared in another organization with a different password or mfaCode`,
        );
      }
      usersByName.set(user.username.toLowerCase(), identity);
    }
    for (const account of org.serviceAccounts) {
      const known = accountKeys.get(account.email);
      if (known && known !== account.publicKeyPem) {
        problems.push(
          `${at}: service account ${account.email} is declared elsewhere with another key`,
        );
      }
      accountKeys.set(account.email, account.publicKeyPem ?? '');
    }

    const products = new Set<string>();
    for (const product of org.apiProducts) {
      if (products.has(product.name)) {
        problems.push(`${at}: duplicate apiProduct ${product.name}`);
      }
      products.add(product.name);
    }

    const emails = new Set<string>();
    const consumerKeys = new Set<string>();
    org.developers.forEach((developer, d) => {
      const devAt = `${at}.developers[${d}] (${developer.email})`;
      if (emails.has(developer.email.toLowerCase())) {
        problems.push(`${devAt}: duplicate developer email`);
      }
      emails.add(developer.email.toLowerCase());
      if (
        org.dialect === 'x' &&
        developer.email !== developer.email.toLowerCase()
      ) {
        problems.push(`${devAt}: Apigee X developer emails must be lowercase`);
      }
      const appNames = new Set<string>();
      developer.apps.forEach((app, a) => {
        const appAt = `${devAt}.apps[${a}] (${app.name})`;
        if (appNames.has(app.name))
          problems.push(`${appAt}: duplicate app name`);
        appNames.add(app.name);
        if (app.credentials.length > org.maxKeysPerApp) {
          problems.push(
            `${appAt}: ${app.credentials.length} credentials exceed maxKeysPerApp ${org.maxKeysPerApp}`,
          );
        }
        app.credentials.forEach((credential, c) => {
          const keyAt = `${appAt}.credentials[${c}]`;
          if (consumerKeys.has(credential.consumerKey)) {
            problems.push(
              `${keyAt}: consumerKey is already used in this organization (keys are org-wide unique)`,
            );
          }
          consumerKeys.add(credential.consumerKey);
          for (const product of credential.apiProducts) {
            if (!products.has(product.name)) {
              problems.push(`${keyAt}: unknown apiProduct ${product.name}`);
            }
          }
        });
      });
    });

    const proxyNames = new Set<string>();
    const basePaths = new Set<string>();
    org.proxies.forEach((proxy, p) => {
      const proxyAt = `${at}.proxies[${p}] (${proxy.name})`;
      if (proxyNames.has(proxy.name))
        problems.push(`${proxyAt}: duplicate proxy name`);
      proxyNames.add(proxy.name);
      if (basePaths.has(proxy.basePath))
        problems.push(`${proxyAt}: duplicate basePath`);
      basePaths.add(proxy.basePath);
      for (const product of proxy.apiProducts) {
        if (!products.has(product)) {
          problems.push(`${proxyAt}: unknown apiProduct ${product}`);
        }
      }
    });
  });
}

function checkAws(seed: ValidatedSeed, problems: string[]): void {
  const accounts = new Set<string>();
  const accessKeys = new Set<string>();
  seed.aws.accounts.forEach((account, i) => {
    const at = `aws.accounts[${i}]`;
    if (accounts.has(account.accountId))
      problems.push(`${at}: duplicate accountId`);
    if (accessKeys.has(account.accessKeyId))
      problems.push(`${at}: duplicate accessKeyId`);
    accounts.add(account.accountId);
    accessKeys.add(account.accessKeyId);
  });
  const names = new Set<string>();
  seed.aws.secrets.forEach((secret, i) => {
    const at = `aws.secrets[${i}] (${secret.name})`;
    if (!accounts.has(secret.account)) {
      problems.push(`${at}: account ${secret.account} is not in aws.accounts`);
    }
    const id = `${secret.account}/${secret.region}/${secret.name}`;
    if (names.has(id))
      problems.push(`${at}: duplicate secret in that account and region`);
    names.add(id);
  });
}

const UNIT_MS = { d: 24 * 3600 * 1000, h: 3600 * 1000, m: 60 * 1000 } as const;

/** A seeded time: ms since epoch as is, `95d ago` relative to `nowMs`, or `nowMs`. */
export function resolveIssuedAt(
  issuedAt: number | string | undefined,
  nowMs: number,
): number {
  if (issuedAt === undefined) return nowMs;
  if (typeof issuedAt === 'number') return issuedAt;
  const match = RELATIVE_TIME_PATTERN.exec(issuedAt)!;
  return nowMs - Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** A stable UUID-shaped id, so that resets and restarts keep developer and app ids. */
function stableId(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(
    13,
    16,
  )}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Turns a validated seed into the Apigee state it describes. */
export function buildApigeeData(
  seed: ValidatedSeed,
  nowMs: number,
): ApigeeStateData {
  return {
    organizations: seed.apigee.organizations.map(
      (org): Organization => ({
        name: org.name,
        dialect: org.dialect,
        maxKeysPerApp: org.maxKeysPerApp,
        users: org.users.map(u => ({ ...u })),
        accessTokens: [...org.accessTokens],
        serviceAccounts: org.serviceAccounts.map(a => ({
          email: a.email,
          publicKeyPem: a.publicKeyPem!,
        })),
        apiProducts: org.apiProducts.map(p => ({
          name: p.name,
          displayName: p.displayName ?? p.name,
          approvalType: p.approvalType,
          createdAt: nowMs,
        })),
        developers: org.developers.map(d => {
          const developerId = stableId(org.name, d.email.toLowerCase());
          return {
            developerId,
            email: d.email,
            firstName: d.firstName,
            lastName: d.lastName,
            userName: d.userName ?? d.email.split('@')[0],
            status: d.status,
            attributes: d.attributes,
            createdAt: nowMs,
            lastModifiedAt: nowMs,
            apps: d.apps.map(app => ({
              appId: stableId(org.name, d.email.toLowerCase(), app.name),
              name: app.name,
              developerId,
              status: app.status,
              appFamily: 'default',
              attributes: app.attributes,
              callbackUrl: app.callbackUrl,
              keyExpiresIn: -1,
              scopes: [],
              createdAt: nowMs,
              createdBy: d.email,
              lastModifiedAt: nowMs,
              lastModifiedBy: d.email,
              credentials: app.credentials.map(c => ({
                consumerKey: c.consumerKey,
                consumerSecret: c.consumerSecret,
                status: c.status,
                issuedAt: resolveIssuedAt(c.issuedAt, nowMs),
                expiresAt: c.expiresAt,
                attributes: c.attributes,
                scopes: c.scopes,
                apiProducts: c.apiProducts.map(p => ({
                  apiproduct: p.name,
                  status: p.status,
                })),
              })),
            })),
          };
        }),
        proxies: org.proxies.map(p => ({
          name: p.name,
          basePath: p.basePath,
          apiProducts: [...p.apiProducts],
          apiKey: {
            in: p.apiKey.in,
            name:
              p.apiKey.name ??
              (p.apiKey.in === 'query' ? 'apikey' : 'x-apikey'),
          },
          environment: p.environment,
        })),
      }),
    ),
  };
}
