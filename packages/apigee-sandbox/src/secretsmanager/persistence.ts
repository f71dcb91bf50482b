import { z } from 'zod';
import { SandboxAccount, Secret } from './types';

/** Identifies the file layout so a future change can migrate or refuse old files. */
export const STORE_FORMAT = 'keyrotation-sandbox/secretsmanager@1';

const isoDate = z.iso.datetime({ offset: true });

const versionSchema = z.object({
  versionId: z.string().min(1),
  secretString: z.string().optional(),
  secretBinary: z.string().optional(),
  stages: z.array(z.string()),
  createdDate: isoDate,
  lastAccessedDate: isoDate.optional(),
});

const secretSchema = z.object({
  accountId: z.string().regex(/^\d{12}$/),
  region: z.string().min(1),
  arn: z.string().min(1),
  name: z.string().min(1),
  description: z.string().optional(),
  kmsKeyId: z.string().optional(),
  tags: z.array(z.object({ Key: z.string(), Value: z.string() })),
  createdDate: isoDate,
  lastChangedDate: isoDate,
  lastAccessedDate: isoDate.optional(),
  deletedDate: isoDate.optional(),
  deletionDate: isoDate.optional(),
  createRequestToken: z.string().optional(),
  versions: z.array(versionSchema),
});

const storeSchema = z.object({
  format: z.literal(STORE_FORMAT),
  accounts: z.array(
    z.object({ accountId: z.string(), accessKeyId: z.string() }),
  ),
  secrets: z.array(secretSchema),
});

export type SecretsManagerStoreJson = z.infer<typeof storeSchema>;
type SecretJson = z.infer<typeof secretSchema>;

export function serializeStore(
  accounts: SandboxAccount[],
  secrets: Secret[],
): SecretsManagerStoreJson {
  return {
    format: STORE_FORMAT,
    accounts,
    secrets: secrets.map(secretToJson),
  };
}

/** Validates saved state and turns it back into records; throws a readable error if invalid. */
export function parseStoreJson(json: unknown): {
  accounts: SandboxAccount[];
  secrets: Secret[];
} {
  const result = storeSchema.safeParse(json);
  if (!result.success) {
    throw new TypeError(
      `Invalid Secrets Manager sandbox state: ${z.prettifyError(result.error)}`,
    );
  }
  return {
    accounts: result.data.accounts,
    secrets: result.data.secrets.map(secretFromJson),
  };
}

const iso = (d: Date | undefined) => d?.toISOString();
const date = (s: string | undefined) =>
  s === undefined ? undefined : new Date(s);

function secretToJson(secret: Secret): SecretJson {
  return dropUndefined({
    ...secret,
    tags: secret.tags.map(t => ({ ...t })),
    createdDate: secret.createdDate.toISOString(),
    lastChangedDate: secret.lastChangedDate.toISOString(),
    lastAccessedDate: iso(secret.lastAccessedDate),
    deletedDate: iso(secret.deletedDate),
    deletionDate: iso(secret.deletionDate),
    versions: secret.versions.map(v =>
      dropUndefined({
        ...v,
        stages: [...v.stages],
        createdDate: v.createdDate.toISOString(),
        lastAccessedDate: iso(v.lastAccessedDate),
      }),
    ),
  });
}

function secretFromJson(json: SecretJson): Secret {
  return {
    ...json,
    createdDate: new Date(json.createdDate),
    lastChangedDate: new Date(json.lastChangedDate),
    lastAccessedDate: date(json.lastAccessedDate),
    deletedDate: date(json.deletedDate),
    deletionDate: date(json.deletionDate),
    versions: json.versions.map(v => ({
      ...v,
      createdDate: new Date(v.createdDate),
      lastAccessedDate: date(v.lastAccessedDate),
    })),
  };
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== undefined),
  ) as T;
}
