import { ConflictError, NotAllowedError, isError } from '@backstage/errors';
import { isKeyProviderError } from '@keyrotation/backstage-plugin-apigee-credentials-node';
import { MalformedSecretError } from '../secrets/secretValue';
import { isTransientError } from './retry';
import { RotationErrorCode } from './types';

/** Marks the part of a rotation's error that says its rollback is still to be finished. */
export const ROLLBACK_PENDING = ' [rollback not finished yet: ';

/** A rotation's error without the note about an unfinished rollback. */
export function withoutRollbackNote(
  error: string | undefined,
): string | undefined {
  return error?.split(ROLLBACK_PENDING)[0];
}

/** A failure the engine itself decided on (parity, drift, key limit…): never retried. */
export class RotationFailure extends Error {
  readonly code: RotationErrorCode;

  constructor(
    code: RotationErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, { cause: options?.cause });
    this.name = 'RotationFailure';
    this.code = code;
  }
}

/** Thrown by `rotate` when the binding is being rotated already, here or on another replica. */
export class RotationInProgressError extends ConflictError {
  constructor(readonly bindingId: string, readonly rotationId?: string) {
    super(
      `A rotation of credential ${bindingId} is already in progress${
        rotationId ? ` (rotation ${rotationId})` : ''
      }`,
    );
  }
}

/**
 * Thrown when a binding's targets are not proven to belong to its entity: the plugin does
 * not rotate it until the marks are set or an admin approves it.
 */
export class OwnershipUnverifiedError extends NotAllowedError {
  constructor(readonly bindingId: string, reason?: string) {
    super(
      reason ?? `Credential ${bindingId} is not proven to belong to its entity`,
    );
  }
}

/** The error code a failure is reported under. */
export function failureCode(error: unknown): RotationErrorCode {
  if (error instanceof RotationFailure) return error.code;
  if (error instanceof MalformedSecretError) return 'drift';
  if (isKeyProviderError(error)) {
    switch (error.kind) {
      case 'key-limit':
        return 'key-limit';
      case 'unauthorized':
        return 'configuration';
      case 'transient':
        return 'unavailable';
      case 'not-found':
        return 'drift';
      default:
        return 'internal';
    }
  }
  if (isTransientError(error)) return 'unavailable';
  if (isError(error)) {
    if (error.name === 'NotAllowedError') return 'not-allowed';
    if (error.name === 'ResourceNotFoundException') return 'drift'; // the secret is gone
    if (error.name === 'InputError' || error.name === 'NotFoundError') {
      return 'configuration';
    }
    if (
      error.name === 'AccessDeniedException' ||
      error.name === 'UnrecognizedClientException' ||
      error.name === 'CredentialsProviderError'
    ) {
      return 'configuration';
    }
  }
  return 'internal';
}
