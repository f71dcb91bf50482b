import { isKeyProviderError } from '@keyrotation/backstage-plugin-apigee-credentials-node';
import {
  ExponentialBackoff,
  IBackoff,
  IBackoffFactory,
  IRetryBackoffContext,
  handleWhen,
  retry,
} from 'cockatiel';

/** How hard the engine retries a failing call. */
export interface RetrySettings {
  /** Total time one operation may spend on attempts and waits before it gives up. */
  maxDurationMs: number;
  /** First wait between attempts; later waits grow exponentially, with jitter. */
  initialDelayMs: number;
  /** Longest wait between two attempts. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_SETTINGS: RetrySettings = {
  maxDurationMs: 60_000,
  initialDelayMs: 250,
  maxDelayMs: 10_000,
};

/**
 * Error names the AWS SDK uses for throttling and server-side trouble.
 * `LimitExceededException` is deliberately absent: in Secrets Manager it is a quota (too
 * many versions), which waiting a few seconds does not fix.
 */
const TRANSIENT_AWS_ERRORS = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'InternalServiceError',
  'InternalFailure',
  'ServiceUnavailable',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/**
 * Whether retrying the call that threw this error may succeed: HTTP 429 and 5xx,
 * throttling, timeouts and network failures.
 */
export function isTransientError(error: unknown): boolean {
  if (isKeyProviderError(error)) return error.kind === 'transient';
  if (!error || typeof error !== 'object') return false;
  const e = error as {
    name?: string;
    code?: string;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
    cause?: unknown;
  };
  if (e.name && TRANSIENT_AWS_ERRORS.has(e.name)) return true;
  if (e.name === 'AbortError') return true; // a request timeout fired
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && (status === 429 || status >= 500)) return true;
  if (e.code && TRANSIENT_NETWORK_CODES.has(e.code)) return true;
  // fetch() reports network failures as TypeError('fetch failed') with the reason as cause.
  if (e.cause && e.cause !== error) return isTransientError(e.cause);
  return false;
}

/** The wait the server asked for, when it did (Retry-After on a KeyProviderError). */
function requestedDelayMs(error: unknown): number {
  return isKeyProviderError(error) ? error.retryAfterMs ?? 0 : 0;
}

/** Exponential backoff whose waits never run past the deadline. */
class DeadlineBackoff
  implements IBackoffFactory<IRetryBackoffContext<unknown>>
{
  constructor(
    private readonly inner: IBackoffFactory<unknown>,
    private readonly deadline: number,
    private readonly now: () => number,
  ) {}

  next(
    context: IRetryBackoffContext<unknown>,
  ): IBackoff<IRetryBackoffContext<unknown>> {
    return this.wrap(this.inner.next(context), context);
  }

  private wrap(
    backoff: IBackoff<unknown>,
    context: IRetryBackoffContext<unknown>,
  ): IBackoff<IRetryBackoffContext<unknown>> {
    const failure =
      'error' in context.result ? context.result.error : undefined;
    const wanted = Math.max(backoff.duration, requestedDelayMs(failure));
    const remaining = Math.max(0, this.deadline - this.now());
    return {
      duration: Math.min(wanted, remaining),
      next: nextContext => this.wrap(backoff.next(nextContext), nextContext),
    };
  }
}

/**
 * Runs calls with retries of transient failures, bounded in time (cockatiel). Any other
 * error, and the last transient one once the time is up, is thrown to the caller.
 */
export class RetryRunner {
  constructor(
    readonly settings: RetrySettings,
    private readonly now: () => number = Date.now,
    private readonly onRetry?: (info: {
      operation: string;
      attempt: number;
      delayMs: number;
      error: unknown;
    }) => void,
  ) {}

  /** Runs `fn`; `describe` (e.g. a scrubber) formats errors for the retry log line. */
  async run<T>(
    operation: string,
    fn: () => Promise<T>,
    describe?: (error: unknown) => string,
  ): Promise<T> {
    const deadline = this.now() + this.settings.maxDurationMs;
    const policy = retry(
      handleWhen(error => isTransientError(error) && this.now() < deadline),
      {
        maxAttempts: Number.MAX_SAFE_INTEGER,
        backoff: new DeadlineBackoff(
          new ExponentialBackoff({
            initialDelay: this.settings.initialDelayMs,
            maxDelay: this.settings.maxDelayMs,
          }),
          deadline,
          this.now,
        ),
      },
    );
    const listener = policy.onRetry(event => {
      const error = 'error' in event ? event.error : undefined;
      this.onRetry?.({
        operation,
        attempt: event.attempt,
        delayMs: event.delay,
        error: describe ? describe(error) : error,
      });
    });
    try {
      return await policy.execute(() => fn());
    } finally {
      listener.dispose();
    }
  }
}
