/**
 * How a key-provider call failed, which decides what the engine does next:
 *
 * - `transient`: worth retrying with backoff (HTTP 429, 5xx, timeouts, network errors);
 * - `not-found`: the developer, app or key does not exist;
 * - `conflict`: the consumer key already exists with another secret, or in another app;
 * - `key-limit`: the app already holds as many keys as it may;
 * - `unauthorized`: the provider refused the plugin's own credentials or permissions;
 * - `invalid`: the request was refused for any other reason; retrying will not help.
 *
 * @public
 */
export type KeyProviderErrorKind =
  | 'transient'
  | 'not-found'
  | 'conflict'
  | 'key-limit'
  | 'unauthorized'
  | 'invalid';

/** Details of a {@link KeyProviderError}. @public */
export interface KeyProviderErrorOptions {
  kind: KeyProviderErrorKind;
  /** HTTP status of the provider's answer, when there was one. */
  status?: number;
  /** The provider's own error code, e.g. `keymanagement.service.ConsumerKeyAlreadyExists`. */
  code?: string;
  /** How long the provider asked the caller to wait (Retry-After), in milliseconds. */
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * The error every {@link KeyProvider} method throws. Its message names the operation, the
 * app and the provider's answer, and never contains a consumer key or secret.
 *
 * @public
 */
export class KeyProviderError extends Error {
  readonly kind: KeyProviderErrorKind;
  readonly status?: number;
  readonly code?: string;
  readonly retryAfterMs?: number;

  constructor(message: string, options: KeyProviderErrorOptions) {
    super(message, { cause: options.cause });
    this.name = 'KeyProviderError';
    this.kind = options.kind;
    this.status = options.status;
    this.code = options.code;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * Whether a value is a {@link KeyProviderError}; works across copies of this package,
 * which `instanceof` does not.
 *
 * @public
 */
export function isKeyProviderError(error: unknown): error is KeyProviderError {
  return (
    error instanceof KeyProviderError ||
    (typeof error === 'object' &&
      error !== null &&
      (error as { name?: unknown }).name === 'KeyProviderError' &&
      typeof (error as { kind?: unknown }).kind === 'string')
  );
}

/**
 * The error kind an HTTP status of a key-provider API implies; a helper for providers.
 *
 * @public
 */
export function keyProviderErrorKindForStatus(
  status: number,
): KeyProviderErrorKind {
  if (status === 408 || status === 429 || status >= 500) return 'transient';
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 404) return 'not-found';
  if (status === 409) return 'conflict';
  return 'invalid';
}
