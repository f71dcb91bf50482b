import { randomBytes } from 'node:crypto';

/** Characters Apigee accepts in a consumer key or secret: `[A-Za-z0-9_-]`, at most 255. */
export const KEY_MATERIAL_PATTERN = /^[A-Za-z0-9_-]{1,255}$/;

/** Default lengths: 32 characters of 6 random bits each, i.e. 192 bits per value. */
export const DEFAULT_KEY_LENGTH = 32;
export const DEFAULT_SECRET_LENGTH = 48;

/**
 * A random string over Apigee's key alphabet. base64url maps every 6 random bits to exactly
 * that alphabet, so each character is uniform. A leading `-` is avoided because some
 * command-line tools would read the value as an option.
 */
export function generateKeyMaterial(length: number): string {
  if (!Number.isInteger(length) || length < 16 || length > 255) {
    throw new RangeError('Key material length must be an integer in 16..255');
  }
  for (;;) {
    const value = randomBytes(Math.ceil((length * 3) / 4))
      .toString('base64url')
      .slice(0, length);
    if (!value.startsWith('-')) return value;
  }
}

/** A new consumer key and secret. */
export function generateApiKeyPair(options?: {
  keyLength?: number;
  secretLength?: number;
}): { consumerKey: string; consumerSecret: string } {
  return {
    consumerKey: generateKeyMaterial(options?.keyLength ?? DEFAULT_KEY_LENGTH),
    consumerSecret: generateKeyMaterial(
      options?.secretLength ?? DEFAULT_SECRET_LENGTH,
    ),
  };
}
