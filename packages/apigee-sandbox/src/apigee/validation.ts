import { apigeeErrors } from './errors';

/** Allowed consumer key / secret: the intersection of the Edge and X naming rules. */
export const KEY_MATERIAL_PATTERN = /^[A-Za-z0-9_-]{1,255}$/;

/** Throws a 400 naming the field (never its value) when key or secret break that rule. */
export function assertValidKeyMaterial(
  field: 'consumerKey' | 'consumerSecret',
  value: unknown,
): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    throw apigeeErrors.invalidRequest(`${field} is required`, field);
  }
  if (!KEY_MATERIAL_PATTERN.test(value)) {
    throw apigeeErrors.invalidRequest(
      `${field} must be 1-255 characters of letters, digits, '_' or '-'`,
      field,
    );
  }
}

/** Parses `[{name, value}]` request attributes; throws a 400 on anything else. */
export function parseAttributes(
  value: unknown,
): { name: string; value: string }[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    throw apigeeErrors.invalidRequest('attributes must be an array');
  }
  return value.map(item => {
    if (!item || typeof item !== 'object' || typeof item.name !== 'string') {
      throw apigeeErrors.invalidRequest(
        'each attribute needs a string name and value',
      );
    }
    return { name: item.name, value: String(item.value ?? '') };
  });
}

/** Parses a list of product names (request bodies use plain strings, on Edge and X). */
export function parseProductNames(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (
    !Array.isArray(value) ||
    value.some(item => typeof item !== 'string' || !item)
  ) {
    throw apigeeErrors.invalidRequest(
      'apiProducts must be an array of product names',
    );
  }
  return value as string[];
}

export function parseScopes(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some(item => typeof item !== 'string')) {
    throw apigeeErrors.invalidRequest('scopes must be an array of strings');
  }
  return value as string[];
}

/** Parses an `?action=` value used by the approve/revoke endpoints (key, key product, app). */
export function parseAction(value: unknown): 'approve' | 'revoke' | undefined {
  if (value === undefined) return undefined;
  if (value === 'approve' || value === 'revoke') return value;
  throw apigeeErrors.invalidRequest(
    `action must be approve or revoke, got ${JSON.stringify(value)}`,
  );
}
