import {
  ApiKeyDetails,
  DeveloperAppDetails,
  KeyUsability,
  KeyUsabilityProblem,
} from './KeyProvider';

/** Options of {@link assessKeyUsability}. @public */
export interface AssessKeyUsabilityOptions {
  /**
   * The exact set of API products the key must be approved for (product parity). When
   * omitted, any key with at least one approved product passes that part of the check.
   */
  expectedApiProducts?: string[];
  /** The time at which expiry is judged; now by default. */
  now?: Date;
}

/**
 * Judges whether a key of an app can be used to call API proxies: the key exists, is
 * approved and not expired, its app is approved, its developer active, and it holds
 * approved associations with exactly the expected products (see
 * docs/apigee-and-aws-facts.md, Usable key).
 *
 * @public
 */
export function assessKeyUsability(
  app: DeveloperAppDetails,
  key: ApiKeyDetails | undefined,
  options: AssessKeyUsabilityOptions = {},
): KeyUsability {
  const problems: KeyUsabilityProblem[] = [];
  const where = `app ${app.app} of developer ${app.developer}`;
  if (!key) {
    problems.push({
      code: 'key-missing',
      message: `The key is not in ${where}`,
    });
    return { usable: false, problems };
  }
  if (key.status !== 'approved') {
    problems.push({
      code: 'key-revoked',
      message: `The key is ${key.status}, not approved, in ${where}`,
    });
  }
  const now = options.now ?? new Date();
  if (key.expiresAt && key.expiresAt.getTime() <= now.getTime()) {
    problems.push({
      code: 'key-expired',
      message: `The key expired at ${key.expiresAt.toISOString()}`,
    });
  }
  if (app.status !== 'approved') {
    problems.push({
      code: 'app-revoked',
      message: `The ${where} is ${app.status}, so none of its keys is valid`,
    });
  }
  if (app.developerStatus && app.developerStatus !== 'active') {
    problems.push({
      code: 'developer-inactive',
      message: `Developer ${app.developer} is ${app.developerStatus}, so none of its keys is valid`,
    });
  }

  const approved = new Set(
    key.apiProducts.filter(p => p.status === 'approved').map(p => p.apiProduct),
  );
  if (options.expectedApiProducts) {
    for (const product of new Set(options.expectedApiProducts)) {
      const association = key.apiProducts.find(p => p.apiProduct === product);
      if (!association) {
        problems.push({
          code: 'product-missing',
          apiProduct: product,
          message: `The key is not associated with API product ${product}`,
        });
      } else if (association.status !== 'approved') {
        problems.push({
          code: 'product-not-approved',
          apiProduct: product,
          message: `The key's association with API product ${product} is ${association.status}, not approved`,
        });
      }
    }
    const expected = new Set(options.expectedApiProducts);
    for (const product of approved) {
      if (!expected.has(product)) {
        problems.push({
          code: 'product-unexpected',
          apiProduct: product,
          message: `The key is approved for API product ${product}, which the current key is not`,
        });
      }
    }
  } else if (approved.size === 0) {
    problems.push({
      code: 'no-products',
      message:
        key.apiProducts.length === 0
          ? 'The key is not associated with any API product'
          : "None of the key's API product associations is approved",
    });
  }
  return { usable: problems.length === 0, problems };
}
