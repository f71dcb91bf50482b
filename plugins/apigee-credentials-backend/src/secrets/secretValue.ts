/** Field names of the key and the secret in a secret's JSON. */
export interface CredentialFields {
  key: string;
  secret: string;
}

export const DEFAULT_CREDENTIAL_FIELDS: CredentialFields = {
  key: 'consumerKey',
  secret: 'consumerSecret',
};

/** Why a secret's value cannot be used; the message never quotes the value. */
export class MalformedSecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedSecretError';
  }
}

/** The credential read from a secret's JSON, plus every other field, kept as is. */
export interface SecretCredential {
  consumerKey: string;
  consumerSecret: string;
  document: Record<string, unknown>;
}

/** Reads the key and secret fields of a secret string that must be a JSON object. */
export function readSecretCredential(
  secretString: string | undefined,
  fields: CredentialFields,
): SecretCredential {
  if (secretString === undefined) {
    throw new MalformedSecretError('The secret version has no SecretString');
  }
  let document: unknown;
  try {
    document = JSON.parse(secretString);
  } catch {
    throw new MalformedSecretError('The secret value is not JSON');
  }
  if (!document || typeof document !== 'object' || Array.isArray(document)) {
    throw new MalformedSecretError('The secret value is not a JSON object');
  }
  const record = document as Record<string, unknown>;
  const consumerKey = record[fields.key];
  const consumerSecret = record[fields.secret];
  if (typeof consumerKey !== 'string' || !consumerKey) {
    throw new MalformedSecretError(
      `The secret has no string field ${JSON.stringify(fields.key)}`,
    );
  }
  if (typeof consumerSecret !== 'string' || !consumerSecret) {
    throw new MalformedSecretError(
      `The secret has no string field ${JSON.stringify(fields.secret)}`,
    );
  }
  return { consumerKey, consumerSecret, document: record };
}

/** The new secret string: the current document with only the key and secret replaced. */
export function writeSecretCredential(
  current: Record<string, unknown>,
  fields: CredentialFields,
  credential: { consumerKey: string; consumerSecret: string },
): string {
  return JSON.stringify({
    ...current,
    [fields.key]: credential.consumerKey,
    [fields.secret]: credential.consumerSecret,
  });
}
