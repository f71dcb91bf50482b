import { createHash } from 'node:crypto';

/**
 * A short, non-reversible identifier of a credential value, safe to log, store and show.
 *
 * Consumer keys and secrets are long random strings, so a truncated SHA-256 cannot be
 * inverted; 12 hex digits (48 bits) are enough to tell the keys of one app apart.
 *
 * @public
 */
export function fingerprint(value: string): string {
  if (!value) {
    throw new TypeError('Cannot fingerprint an empty value');
  }
  const digest = createHash('sha256').update(value, 'utf8').digest('hex');
  return `sha256:${digest.slice(0, 12)}`;
}
