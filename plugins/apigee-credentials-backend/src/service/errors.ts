import { CustomErrorBase } from '@backstage/errors';

/** A manual rotation was asked for too soon after the previous one (HTTP 429). */
export class RotationCooldownError extends CustomErrorBase {
  name = 'RotationCooldownError' as const;
  readonly statusCode = 429;

  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message);
  }
}

/** A request carried a body that is not JSON (HTTP 415). */
export class UnsupportedMediaTypeError extends CustomErrorBase {
  name = 'UnsupportedMediaTypeError' as const;
  readonly statusCode = 415;
}

/** A user started as many manual rotations as the hourly quota allows (HTTP 429). */
export class RotationQuotaError extends CustomErrorBase {
  name = 'RotationQuotaError' as const;
  readonly statusCode = 429;

  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message);
  }
}
