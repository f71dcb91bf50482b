import { ResponseError } from '@backstage/errors';
import { toRotateRejection } from './rotateRejection';

async function responseError(
  status: number,
  body: object,
  headers: Record<string, string> = {},
) {
  return ResponseError.fromResponse(
    new Response(JSON.stringify(body), {
      status,
      headers: { 'Content-Type': 'application/json', ...headers },
    }) as any,
  );
}

const backstageError = (name: string, message: string, statusCode: number) => ({
  error: { name, message },
  response: { statusCode },
});

describe('toRotateRejection', () => {
  it('reads a 409 as a running rotation, using its id only when the body has one', async () => {
    const plain = await responseError(
      409,
      backstageError('ConflictError', 'busy', 409),
    );
    expect(toRotateRejection(plain, 'prod')).toEqual({
      kind: 'conflict',
      message: expect.stringContaining('A rotation of prod is already running'),
      rotationId: undefined,
    });

    const withId = await responseError(409, {
      ...backstageError('ConflictError', 'busy', 409),
      rotationId: 'rot-7',
    });
    expect(toRotateRejection(withId, 'prod')).toMatchObject({
      rotationId: 'rot-7',
    });
  });

  it('reads a 429 as the cooldown and words the Retry-After wait', async () => {
    const seconds = await responseError(
      429,
      backstageError('TooManyRequests', 'slow down', 429),
      { 'Retry-After': '45' },
    );
    expect(toRotateRejection(seconds, 'prod')).toMatchObject({
      kind: 'cooldown',
      retryAfterSeconds: 45,
      message: expect.stringContaining('try again in 45 seconds'),
    });

    const date = await responseError(
      429,
      backstageError('TooManyRequests', 'slow down', 429),
      { 'Retry-After': new Date(Date.now() + 2 * 3600 * 1000).toUTCString() },
    );
    expect(toRotateRejection(date, 'prod').message).toContain(
      'try again in 2 hours',
    );

    // Cross-origin apps may not see the header: still a cooldown, without a wait.
    const none = await responseError(
      429,
      backstageError('TooManyRequests', 'x', 429),
    );
    expect(toRotateRejection(none, 'prod')).toMatchObject({
      kind: 'cooldown',
      retryAfterSeconds: undefined,
      message: expect.stringContaining('try again later'),
    });
  });

  it('reads a 403 as a denial and anything else as an error with the cause', async () => {
    const denied = await responseError(
      403,
      backstageError('NotAllowedError', 'no', 403),
    );
    expect(toRotateRejection(denied, 'prod').kind).toBe('denied');

    const broken = await responseError(
      500,
      backstageError('Error', 'database down', 500),
    );
    expect(toRotateRejection(broken, 'prod')).toEqual({
      kind: 'error',
      message: 'Could not start the rotation of prod: database down',
    });

    expect(toRotateRejection(new TypeError('Failed to fetch'), 'prod')).toEqual(
      {
        kind: 'error',
        message: 'Could not start the rotation of prod: Failed to fetch',
      },
    );
  });
});
