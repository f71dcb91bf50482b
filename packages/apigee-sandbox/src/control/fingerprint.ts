import { createHash } from 'node:crypto';

/**
 * First 12 hex chars of a value's SHA-256: enough to tell secrets and keys apart in the
 * control API without ever returning them.
 */
export function fingerprint(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex').slice(0, 12);
}
