import { ResponseError } from '@backstage/errors';

/**
 * Why the backend refused to start a rotation, in words for the row that asked.
 * `conflict` and `cooldown` are expected situations, shown inline next to the button.
 */
export type RotateRejection =
  | { kind: 'conflict'; message: string; rotationId?: string }
  | { kind: 'cooldown'; message: string; retryAfterSeconds?: number }
  | { kind: 'denied'; message: string }
  | { kind: 'error'; message: string };

function retryAfterSeconds(error: ResponseError): number | undefined {
  const header = error.response.headers.get('Retry-After');
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  // Retry-After may also be an HTTP date.
  const at = Date.parse(header);
  return Number.isNaN(at)
    ? undefined
    : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

function describeWait(seconds: number): string {
  if (seconds < 90) return `${seconds} seconds`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 90) return `${minutes} minutes`;
  return `${Math.ceil(minutes / 60)} hours`;
}

/** A rotation id the backend may add to a 409 body; optional, so only used when present. */
function runningRotationId(error: ResponseError): string | undefined {
  const body = error.body as unknown as Record<string, unknown>;
  const candidates = [
    body?.rotationId,
    (body?.error as Record<string, unknown> | undefined)?.rotationId,
  ];
  const id = candidates.find(c => typeof c === 'string' && c.length > 0);
  return id as string | undefined;
}

/** Turns the error of `rotate()` into what the row shows. */
export function toRotateRejection(
  error: unknown,
  environment: string,
): RotateRejection {
  if (!ResponseError.is(error)) {
    return {
      kind: 'error',
      message: `Could not start the rotation of ${environment}: ${
        (error as Error)?.message ?? String(error)
      }`,
    };
  }
  switch (error.statusCode) {
    case 409:
      return {
        kind: 'conflict',
        message: `A rotation of ${environment} is already running. Wait for it to finish: this row updates when it ends.`,
        rotationId: runningRotationId(error),
      };
    case 429: {
      const seconds = retryAfterSeconds(error);
      return {
        kind: 'cooldown',
        message:
          seconds === undefined
            ? `${environment} was rotated manually a short while ago. Manual rotations have a cooldown; try again later.`
            : `${environment} was rotated manually a short while ago. Manual rotations have a cooldown; try again in ${describeWait(
                seconds,
              )}.`,
        retryAfterSeconds: seconds,
      };
    }
    case 403:
      return {
        kind: 'denied',
        message: `You may not rotate the ${environment} credential of this entity.`,
      };
    default:
      return {
        kind: 'error',
        message: `Could not start the rotation of ${environment}: ${
          error.cause.message || error.message
        }`,
      };
  }
}
