import {
  AuthenticationError,
  ConflictError,
  ForwardedError,
  InputError,
  NotAllowedError,
  NotFoundError,
  ResponseError,
  ServiceUnavailableError,
} from '@backstage/errors';

// Enough for any message the backend writes; cuts HTML error pages from proxies short.
const MAX_DETAIL_LENGTH = 500;

function truncate(text: string): string {
  return text.length > MAX_DETAIL_LENGTH
    ? `${text.slice(0, MAX_DETAIL_LENGTH)}…`
    : text;
}

/**
 * Turns a failed response of the apigee-credentials backend into the matching
 * `@backstage/errors` error, so that callers (and the scaffolder, which shows the message
 * to the user) see what the backend said rather than a bare status code.
 *
 * Backstage backends answer errors with `{ error: { name, message }, response: { statusCode } }`;
 * anything else (a proxy's HTML page, an empty body) still gives a readable error.
 *
 * @param operation - what was attempted, e.g. `Provisioning Apigee credentials`
 */
export async function errorFromResponse(
  response: Response,
  operation: string,
): Promise<Error> {
  const responseError = await ResponseError.fromResponse(response);
  const detail = truncate(responseError.cause.message);
  const message = `${operation} failed: ${detail}`;
  switch (responseError.statusCode) {
    case 400:
      return new InputError(message);
    case 401:
      return new AuthenticationError(message);
    case 403:
      return new NotAllowedError(message);
    case 404:
      return new NotFoundError(message);
    case 409:
      return new ConflictError(message);
    case 503:
      return new ServiceUnavailableError(message);
    default:
      // No typed error for this status (500, 502, 504, …): keep the backend's error name
      // and message, and say which status carried it.
      return new ForwardedError(
        `${operation} failed with HTTP ${responseError.statusCode}`,
        Object.assign(new Error(detail), { name: responseError.cause.name }),
      );
  }
}
