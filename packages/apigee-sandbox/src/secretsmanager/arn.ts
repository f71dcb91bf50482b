import { randomInt } from 'node:crypto';

const SUFFIX_ALPHABET =
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `arn:aws:secretsmanager:{region}:{account}:secret:{name}-{6 random chars}`. */
export function buildSecretArn(
  region: string,
  accountId: string,
  name: string,
  random: (max: number) => number = randomInt,
): string {
  let suffix = '';
  for (let i = 0; i < 6; i++)
    suffix += SUFFIX_ALPHABET[random(SUFFIX_ALPHABET.length)];
  return `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-${suffix}`;
}

export interface ParsedSecretArn {
  region: string;
  accountId: string;
  /** Everything after `secret:`: the name plus, for a complete ARN, `-XXXXXX`. */
  resource: string;
}

const ARN_PATTERN =
  /^arn:[a-z-]+:secretsmanager:([a-z0-9-]*):(\d*):secret:(.+)$/;

/** Parses a complete or partial secret ARN; undefined when the id is not an ARN. */
export function parseSecretArn(secretId: string): ParsedSecretArn | undefined {
  const match = ARN_PATTERN.exec(secretId);
  if (!match) return undefined;
  return { region: match[1], accountId: match[2], resource: match[3] };
}

/** Allowed characters of a secret name (CreateSecret). */
export const SECRET_NAME_PATTERN = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
