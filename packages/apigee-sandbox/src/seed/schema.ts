import { z } from 'zod';
import { KEY_MATERIAL_PATTERN } from '../apigee/validation';

const keyMaterial = z
  .string()
  .regex(
    KEY_MATERIAL_PATTERN,
    'must be 1-255 letters, digits, underscores or hyphens',
  );

/** `<n><d|h|m> ago`: a time relative to the moment the seed is loaded. */
export const RELATIVE_TIME_PATTERN = /^(\d+)\s*([dhm])\s+ago$/;

const attributeSchema = z.object({
  name: z.string().min(1),
  value: z.string(),
});

/** A product on a seeded key: a name (approved) or `{ name, status }`. */
const keyProductSchema = z.union([
  z
    .string()
    .min(1)
    .transform(name => ({ name, status: 'approved' as const })),
  z.object({
    name: z.string().min(1),
    status: z.enum(['approved', 'pending', 'revoked']).default('approved'),
  }),
]);

const credentialSchema = z.object({
  consumerKey: keyMaterial,
  consumerSecret: keyMaterial,
  status: z.enum(['approved', 'revoked']).default('approved'),
  /**
   * ms since epoch, or relative to the moment the seed is loaded (`95d ago`, `36h ago`,
   * `10m ago`), so a demo's keys keep their age on every start; defaults to that moment.
   */
  issuedAt: z
    .union([
      z.number().int(),
      z
        .string()
        .regex(RELATIVE_TIME_PATTERN, 'must be like "95d ago", "36h ago"'),
    ])
    .optional(),
  /** ms since epoch, -1 for never. */
  expiresAt: z.number().int().default(-1),
  apiProducts: z.array(keyProductSchema).default([]),
  attributes: z.array(attributeSchema).default([]),
  scopes: z.array(z.string()).default([]),
});

const appSchema = z.object({
  name: z.string().min(1),
  status: z.enum(['approved', 'revoked']).default('approved'),
  attributes: z.array(attributeSchema).default([]),
  callbackUrl: z.string().optional(),
  credentials: z.array(credentialSchema).default([]),
});

const developerSchema = z.object({
  email: z.email(),
  firstName: z.string().default(''),
  lastName: z.string().default(''),
  userName: z.string().optional(),
  status: z.enum(['active', 'inactive']).default('active'),
  attributes: z.array(attributeSchema).default([]),
  apps: z.array(appSchema).default([]),
});

const productSchema = z.object({
  name: z.string().min(1),
  displayName: z.string().optional(),
  approvalType: z.enum(['auto', 'manual']).default('auto'),
});

const proxySchema = z.object({
  name: z.string().min(1),
  basePath: z.string().regex(/^\//, 'must start with /'),
  apiProducts: z.array(z.string().min(1)).min(1),
  apiKey: z
    .object({
      in: z.enum(['header', 'query', 'basic']).default('header'),
      name: z.string().min(1).optional(),
    })
    .default({ in: 'header' }),
  /** Environment whose analytics count the proxy's calls. */
  environment: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/i, 'letters, digits and -')
    .default('prod'),
});

const userSchema = z.object({
  username: z.string().min(1),
  password: z.string().min(1),
  /** Fixed MFA code standing in for a TOTP; when set, /oauth/token requires it. */
  mfaCode: z.string().min(1).optional(),
});

const serviceAccountSchema = z
  .object({
    email: z.email(),
    /** SPKI PEM of the account's public key. */
    publicKeyPem: z.string().optional(),
    /** Path (relative to the seed file) of a PEM public key or a Google key JSON file. */
    publicKeyFile: z.string().optional(),
  })
  .refine(a => Boolean(a.publicKeyPem) !== Boolean(a.publicKeyFile), {
    message: 'give exactly one of publicKeyPem and publicKeyFile',
  });

const organizationSchema = z.object({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and -'),
  dialect: z.enum(['edge', 'x']),
  maxKeysPerApp: z.number().int().min(1).default(10),
  /** Edge only: management users (Basic auth and the password grant). */
  users: z.array(userSchema).default([]),
  /** X only: static bearer tokens accepted for this organisation. */
  accessTokens: z.array(z.string().min(8)).default([]),
  /** X only: service accounts that may use the JWT-bearer grant. */
  serviceAccounts: z.array(serviceAccountSchema).default([]),
  apiProducts: z.array(productSchema).default([]),
  developers: z.array(developerSchema).default([]),
  proxies: z.array(proxySchema).default([]),
});

const awsAccountSchema = z.object({
  accountId: z.string().regex(/^\d{12}$/, 'must be 12 digits'),
  accessKeyId: z.string().min(1),
  /** Not checked (requests are not signature-verified); documents what clients send. */
  secretAccessKey: z.string().optional(),
});

const secretSchema = z.object({
  account: z.string().regex(/^\d{12}$/, 'must be 12 digits'),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region'),
  name: z.string().min(1),
  /** A string is stored as is; an object is stored as its JSON text. */
  value: z.union([z.string(), z.record(z.string(), z.unknown())]),
  description: z.string().optional(),
  tags: z.record(z.string(), z.string()).optional(),
});

/** A fault rule active from the start (and again after a reset); see `src/faults`. */
const faultRuleSchema = z.object({
  id: z.string().min(1),
  service: z.enum(['apigee', 'secretsmanager', 'gateway']).optional(),
  operation: z.string().min(1).optional(),
  path: z.string().min(1).optional(),
  errorRate: z.number().min(0).max(1).optional(),
  failNext: z.number().int().min(0).optional(),
  error: z
    .enum(['server-error', 'too-many-requests', 'throttling', 'none'])
    .optional(),
  status: z.number().int().min(500).max(599).optional(),
  latencyMs: z.number().int().min(0).optional(),
  hangMs: z.number().int().min(0).optional(),
});

export const sandboxSeedSchema = z.object({
  apigee: z
    .object({ organizations: z.array(organizationSchema).default([]) })
    .default({ organizations: [] }),
  aws: z
    .object({
      accounts: z.array(awsAccountSchema).default([]),
      secrets: z.array(secretSchema).default([]),
    })
    .default({ accounts: [], secrets: [] }),
  faults: z.array(faultRuleSchema).default([]),
});

/** A seed as written by hand (defaults may be omitted). */
export type SandboxSeed = z.input<typeof sandboxSeedSchema>;
/** A validated seed with defaults filled in. */
export type ValidatedSeed = z.output<typeof sandboxSeedSchema>;
