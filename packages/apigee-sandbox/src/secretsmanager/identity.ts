import { SecretsManagerError } from './errors';
import { Caller } from './types';

export interface SigV4Credential {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
}

/**
 * Reads the SigV4 `Authorization` header. The signature is NOT verified: the
 * sandbox only needs to know who calls (access key) and where (Region of the credential
 * scope). A missing header is `MissingAuthenticationTokenException`, a malformed one
 * `IncompleteSignatureException`, as AWS JSON services answer.
 */
export function parseSigV4Authorization(
  authorization: string | undefined,
  hasDateHeader: boolean,
): SigV4Credential {
  if (!authorization) {
    throw new SecretsManagerError(
      'MissingAuthenticationTokenException',
      'Missing Authentication Token',
    );
  }
  const [algorithm, ...rest] = authorization.trim().split(/\s+/);
  const params = new Map<string, string>();
  for (const part of rest.join(' ').split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) params.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const problems: string[] = [];
  if (algorithm !== 'AWS4-HMAC-SHA256') {
    problems.push(
      'Authorization header requires the AWS4-HMAC-SHA256 algorithm.',
    );
  }
  for (const name of ['Credential', 'SignedHeaders', 'Signature']) {
    if (!params.get(name))
      problems.push(`Authorization header requires '${name}' parameter.`);
  }
  if (!hasDateHeader) {
    problems.push(
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    );
  }
  if (problems.length > 0) {
    // The header itself is not echoed: a wrong client might have sent a password in it.
    throw new SecretsManagerError(
      'IncompleteSignatureException',
      problems.join(' '),
    );
  }

  const scope = params.get('Credential')!.split('/');
  if (
    scope.length !== 5 ||
    scope.some(part => !part) ||
    scope[4] !== 'aws4_request'
  ) {
    throw new SecretsManagerError(
      'IncompleteSignatureException',
      "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, ending in 'aws4_request'.",
    );
  }
  const [accessKeyId, date, region, service] = scope;
  if (service !== 'secretsmanager') {
    throw new SecretsManagerError(
      'InvalidSignatureException',
      "Credential should be scoped to correct service: 'secretsmanager'.",
    );
  }
  return { accessKeyId, date, region, service };
}

/**
 * The caller of a request: the account mapped to the access key, the Region of the
 * credential scope. An unknown access key is `UnrecognizedClientException` (HTTP 400).
 */
export function resolveCaller(
  headers: { authorization?: string; 'x-amz-date'?: string; date?: string },
  accountForAccessKey: (accessKeyId: string) => string | undefined,
  operation: string,
): Caller {
  const credential = parseSigV4Authorization(
    headers.authorization,
    Boolean(headers['x-amz-date'] || headers.date),
  );
  const accountId = accountForAccessKey(credential.accessKeyId);
  if (!accountId) {
    throw new SecretsManagerError(
      'UnrecognizedClientException',
      'The security token included in the request is invalid.',
    );
  }
  return { accountId, region: credential.region, operation };
}
