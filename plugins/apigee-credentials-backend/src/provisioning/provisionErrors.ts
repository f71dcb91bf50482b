import {
  ConflictError,
  CustomErrorBase,
  InputError,
  isError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { isKeyProviderError } from '@keyrotation/backstage-plugin-apigee-credentials-node';
import { isTransientError } from '../engine/retry';

/** A provisioning step refused to go on; `kind` says what the caller can do about it. */
export class ProvisionFailure extends Error {
  constructor(
    readonly kind: 'invalid' | 'conflict' | 'forbidden',
    message: string,
  ) {
    super(message);
    this.name = 'ProvisionFailure';
  }
}

/** The caller started too many provisions in the last hour (HTTP 429). */
export class ProvisionQuotaError extends CustomErrorBase {
  name = 'ProvisionQuotaError' as const;
  readonly statusCode = 429;

  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message);
  }
}

const INVALID_AWS_ERRORS = new Set([
  'ValidationException',
  'InvalidParameterException',
  'InvalidRequestException',
  'MalformedPolicyDocumentException',
]);
const CONFLICT_AWS_ERRORS = new Set([
  'ResourceExistsException',
  'LimitExceededException',
]);

/**
 * The `@backstage/errors` type a failed provision is answered with, so that the caller
 * (the scaffolder action) can tell bad input (400) and conflicts (409) from an outage
 * (503). `message` is already free of key material.
 */
export function toResponseError(error: unknown, message: string): Error {
  if (error instanceof ProvisionFailure) {
    if (error.kind === 'forbidden') return new NotAllowedError(message);
    return error.kind === 'invalid'
      ? new InputError(message)
      : new ConflictError(message);
  }
  if (isKeyProviderError(error)) {
    switch (error.kind) {
      case 'invalid':
      case 'not-found':
        return new InputError(message);
      case 'conflict':
      case 'key-limit':
        return new ConflictError(message);
      default:
        // Transient, or the plugin's own Apigee credentials were refused.
        return new ServiceUnavailableError(message);
    }
  }
  if (isError(error)) {
    if (
      error.name === 'InputError' ||
      error.name === 'NotFoundError' ||
      INVALID_AWS_ERRORS.has(error.name)
    ) {
      return new InputError(message);
    }
    if (error.name === 'NotAllowedError') return new NotAllowedError(message);
    if (error.name === 'ConflictError' || CONFLICT_AWS_ERRORS.has(error.name)) {
      return new ConflictError(message);
    }
    if (error.name === 'ResourceNotFoundException') {
      return new NotFoundError(message);
    }
  }
  if (
    isTransientError(error) ||
    (isError(error) &&
      /AccessDenied|UnrecognizedClient|CredentialsProvider/.test(error.name))
  ) {
    // An outage, or the plugin's own AWS access is refused: nothing the caller can fix.
    return new ServiceUnavailableError(message);
  }
  return new Error(message);
}
