import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_SEED_PATH,
  SeedValidationError,
  buildApigeeData,
  loadSeedFile,
  resolveSeed,
  validateSeed,
} from './load';
import { SandboxSeed } from './schema';

const validate = (seed: unknown) =>
  validateSeed(seed, { source: 'test', baseDir: process.cwd() });

function problemsOf(seed: unknown): string[] {
  try {
    validate(seed);
  } catch (error) {
    expect(error).toBeInstanceOf(SeedValidationError);
    return (error as SeedValidationError).problems;
  }
  throw new Error('expected the seed to be rejected');
}

const edgeOrg = (extra: Record<string, unknown> = {}) => ({
  name: 'org',
  dialect: 'edge',
  apiProducts: [{ name: 'p' }],
  ...extra,
});

describe('default seed (matches the demo catalog)', () => {
  const seed = loadSeedFile(DEFAULT_SEED_PATH);
  const data = buildApigeeData(seed, 0);

  it('has an Edge org acme-edge and an X org acme-x', () => {
    expect(data.organizations.map(o => [o.name, o.dialect])).toEqual([
      ['acme-edge', 'edge'],
      ['acme-x', 'x'],
    ]);
  });

  it.each([
    [
      'orders-service/apigee-prod',
      'acme-edge',
      'orders-team@example.com',
      'orders-service',
      'orders-api',
    ],
    [
      'payments-service/apigee-prod',
      'acme-edge',
      'payments-team@example.com',
      'payments-service',
      'payments-api',
    ],
    [
      'payments-service/apigee-x',
      'acme-x',
      'payments-team@example.com',
      'payments-service',
      'payments-api',
    ],
  ])(
    'secret %s holds the seeded key of %s/%s/%s',
    (name, orgName, email, appName, product) => {
      const secret = seed.aws.secrets.find(s => s.name === name)!;
      expect(secret).toMatchObject({
        account: '111111111111',
        region: 'eu-west-1',
      });
      const value = secret.value as Record<string, string>;
      expect(Object.keys(value).sort()).toEqual([
        'consumerKey',
        'consumerSecret',
        'note',
      ]);
      const org = data.organizations.find(o => o.name === orgName)!;
      const app = org.developers
        .find(d => d.email === email)!
        .apps.find(a => a.name === appName)!;
      expect(app.credentials).toContainEqual(
        expect.objectContaining({
          consumerKey: value.consumerKey,
          consumerSecret: value.consumerSecret,
          apiProducts: [{ apiproduct: product, status: 'approved' }],
        }),
      );
      const proxy = org.proxies.find(p => p.apiProducts.includes(product))!;
      expect(['orders-proxy', 'payments-proxy']).toContain(proxy.name);
    },
  );

  it('keeps ids stable across loads', () => {
    const again = buildApigeeData(loadSeedFile(DEFAULT_SEED_PATH), 0);
    expect(again.organizations[0].developers[0].developerId).toBe(
      data.organizations[0].developers[0].developerId,
    );
  });
});

describe('seed validation', () => {
  it('fills defaults', () => {
    const seed = validate({ apigee: { organizations: [edgeOrg()] } });
    expect(seed.apigee.organizations[0]).toMatchObject({
      maxKeysPerApp: 10,
      users: [],
      developers: [],
    });
    expect(seed.aws).toEqual({ accounts: [], secrets: [] });
  });

  it('reads issue times relative to the moment the seed is loaded', () => {
    const DAY = 24 * 3600 * 1000;
    const seed = validate({
      apigee: {
        organizations: [
          edgeOrg({
            developers: [
              {
                email: 'dev@example.com',
                apps: [
                  {
                    name: 'a',
                    credentials: [
                      {
                        consumerKey: 'k1',
                        consumerSecret: 's1',
                        issuedAt: '95d ago',
                      },
                      {
                        consumerKey: 'k2',
                        consumerSecret: 's2',
                        issuedAt: '36h ago',
                      },
                      {
                        consumerKey: 'k3',
                        consumerSecret: 's3',
                        issuedAt: 1234,
                      },
                      { consumerKey: 'k4', consumerSecret: 's4' },
                    ],
                  },
                ],
              },
            ],
          }),
        ],
      },
    });
    const now = 1000 * DAY;
    const keys = buildApigeeData(seed, now).organizations[0].developers[0]
      .apps[0].credentials;
    expect(keys.map(k => k.issuedAt)).toEqual([
      now - 95 * DAY,
      now - 36 * 3600 * 1000,
      1234,
      now,
    ]);
    expect(
      problemsOf({
        apigee: {
          organizations: [
            edgeOrg({
              developers: [
                {
                  email: 'dev@example.com',
                  apps: [
                    {
                      name: 'a',
                      credentials: [
                        {
                          consumerKey: 'k',
                          consumerSecret: 's',
                          issuedAt: 'last week',
                        },
                      ],
                    },
                  ],
                },
              ],
            }),
          ],
        },
      }).join('\n'),
    ).toContain('must be like "95d ago"');
  });

  it('accepts fault rules, and rejects malformed ones', () => {
    const seed = validate({
      faults: [{ id: 'f', service: 'apigee', operation: 'keys.create' }],
    });
    expect(seed.faults).toEqual([
      { id: 'f', service: 'apigee', operation: 'keys.create' },
    ]);
    expect(validate({}).faults).toEqual([]);
    expect(
      problemsOf({ faults: [{ id: 'f', service: 'kafka' }] }).join('\n'),
    ).toContain('faults[0].service');
  });

  it('reports shape errors with their location', () => {
    const problems = problemsOf({
      apigee: {
        organizations: [
          edgeOrg({
            dialect: 'opdk',
            developers: [
              {
                email: 'dev@example.com',
                apps: [
                  {
                    name: 'a',
                    credentials: [
                      { consumerKey: 'bad key', consumerSecret: 's' },
                    ],
                  },
                ],
              },
            ],
          }),
        ],
      },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^apigee\.organizations\[0\]\.dialect: /),
        expect.stringMatching(
          /^apigee\.organizations\[0\]\.developers\[0\]\.apps\[0\]\.credentials\[0\]\.consumerKey: must be 1-255/,
        ),
      ]),
    );
  });

  it('reports unknown products, duplicate keys, dialect mismatches and key caps', () => {
    const credential = (key: string, products: string[] = ['p']) => ({
      consumerKey: key,
      consumerSecret: 's',
      apiProducts: products,
    });
    const problems = problemsOf({
      apigee: {
        organizations: [
          edgeOrg({
            maxKeysPerApp: 1,
            accessTokens: ['some-token-value'],
            developers: [
              {
                email: 'a@example.com',
                apps: [
                  { name: 'a', credentials: [credential('k1', ['nope'])] },
                ],
              },
              {
                email: 'b@example.com',
                apps: [
                  {
                    name: 'b',
                    credentials: [credential('k1'), credential('k2')],
                  },
                ],
              },
            ],
            proxies: [{ name: 'x', basePath: '/x', apiProducts: ['missing'] }],
          }),
          {
            name: 'xorg',
            dialect: 'x',
            users: [{ username: 'u', password: 'p' }],
            developers: [{ email: 'Upper@example.com' }],
          },
        ],
      },
    });
    const text = problems.join('\n');
    expect(text).toMatch(/unknown apiProduct nope/);
    expect(text).toMatch(/consumerKey is already used in this organization/);
    expect(text).toMatch(
      /accessTokens and serviceAccounts are for dialect x only/,
    );
    expect(text).toMatch(/users are for dialect edge only/);
    expect(text).toMatch(/emails must be lowercase/);
    expect(text).toMatch(/2 credentials exceed maxKeysPerApp 1/);
    expect(text).toMatch(/proxies\[0\] \(x\): unknown apiProduct missing/);
  });

  it('reports a malformed AWS region', () => {
    const problems = problemsOf({
      aws: {
        accounts: [{ accountId: '111111111111', accessKeyId: 'TEST1' }],
        secrets: [
          { account: '111111111111', region: 'mars', name: 'x', value: 'v' },
        ],
      },
    });
    expect(problems).toEqual(['aws.secrets[0].region: must be an AWS region']);
  });

  it('checks cross references once the shape is valid', () => {
    const problems = problemsOf({
      aws: {
        accounts: [{ accountId: '111111111111', accessKeyId: 'TEST1' }],
        secrets: [
          {
            account: '222222222222',
            region: 'eu-west-1',
            name: 's',
            value: 'v',
          },
          {
            account: '111111111111',
            region: 'eu-west-1',
            name: 'dup',
            value: { a: 1 },
          },
          {
            account: '111111111111',
            region: 'eu-west-1',
            name: 'dup',
            value: 'v',
          },
        ],
      },
    });
    expect(problems).toEqual([
      'aws.secrets[0] (s): account 222222222222 is not in aws.accounts',
      'aws.secrets[2] (dup): duplicate secret in that account and region',
    ]);
  });

  it('reads service-account public keys from PEM or from a Google key file', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
    });
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-seed-'));
    writeFileSync(
      join(dir, 'sa.json'),
      JSON.stringify({
        type: 'service_account',
        client_email: 'sa@p.iam.gserviceaccount.com',
        private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
      }),
    );
    const seed: SandboxSeed = {
      apigee: {
        organizations: [
          {
            name: 'x',
            dialect: 'x',
            serviceAccounts: [
              {
                email: 'sa@p.iam.gserviceaccount.com',
                publicKeyFile: 'sa.json',
              },
              {
                email: 'pem@p.iam.gserviceaccount.com',
                publicKeyPem: publicKey
                  .export({ type: 'spki', format: 'pem' })
                  .toString(),
              },
            ],
          },
        ],
      },
    };
    const validated = validateSeed(seed, { source: 'test', baseDir: dir });
    const expected = publicKey
      .export({ type: 'spki', format: 'pem' })
      .toString();
    expect(
      validated.apigee.organizations[0].serviceAccounts.map(
        a => a.publicKeyPem,
      ),
    ).toEqual([expected, expected]);
    const broken = problemsOf({
      apigee: {
        organizations: [
          {
            name: 'x',
            dialect: 'x',
            serviceAccounts: [{ email: 'a@example.com', publicKeyPem: 'nope' }],
          },
        ],
      },
    });
    expect(broken[0]).toMatch(/serviceAccounts\[0\]: unusable public key/);
  });

  it('loads YAML files and reports unreadable ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-seed-'));
    const file = join(dir, 'seed.yaml');
    writeFileSync(
      file,
      'apigee:\n  organizations:\n    - name: o\n      dialect: x\n',
    );
    expect(resolveSeed(file).apigee.organizations[0].name).toBe('o');
    writeFileSync(file, 'apigee: [unclosed');
    expect(() => loadSeedFile(file)).toThrow(/cannot read or parse the file/);
    expect(() => loadSeedFile(join(dir, 'missing.yaml'))).toThrow(
      SeedValidationError,
    );
  });
});
