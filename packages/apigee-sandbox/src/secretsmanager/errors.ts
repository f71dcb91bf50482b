/**
 * The `__type` names the emulation can return. The first group is modelled by the AWS SDK;
 * the rest are the generic AWS JSON-protocol errors (auth, parsing, throttling).
 */
export type SecretsManagerErrorType =
  | 'ResourceNotFoundException'
  | 'InvalidParameterException'
  | 'InvalidRequestException'
  | 'ResourceExistsException'
  | 'LimitExceededException'
  | 'InvalidNextTokenException'
  | 'InternalServiceError'
  | 'ServiceUnavailable'
  | 'ValidationException'
  | 'SerializationException'
  | 'UnknownOperationException'
  | 'AccessDeniedException'
  | 'MissingAuthenticationTokenException'
  | 'IncompleteSignatureException'
  | 'InvalidSignatureException'
  | 'UnrecognizedClientException'
  | 'ThrottlingException'
  | 'TooManyRequestsException'
  | 'RequestEntityTooLargeException';

/**
 * An error in AWS Secrets Manager's terms: the router renders it as
 * `{"__type": type, "Message": message}` with `status`.
 */
export class SecretsManagerError extends Error {
  readonly type: SecretsManagerErrorType;
  /** HTTP status; AWS uses 400 for every client error and 500 for InternalServiceError. */
  readonly status: number;

  constructor(type: SecretsManagerErrorType, message: string, status?: number) {
    super(message);
    this.name = 'SecretsManagerError';
    this.type = type;
    this.status = status ?? (type === 'InternalServiceError' ? 500 : 400);
  }
}

/** Messages used in more than one place. Wording from real AWS where it is known. */
export const messages = {
  // GetSecretValue
  secretNotFound: "Secrets Manager can't find the specified secret.",
  valueNotFoundForStage: (stage: string) =>
    `Secrets Manager can't find the specified secret value for staging label: ${stage}`,
  valueNotFoundForVersionId: (versionId: string) =>
    `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`,
  markedForDeletion:
    "You can't perform this operation on the secret because it was marked for deletion.",
  alreadyMarkedDeleted:
    "You tried to perform the operation on a secret that's currently marked deleted.",
  bothValues:
    "You can't specify both a binary secret value and a string secret value in the same secret.",
  // PutSecretValue (verified on real AWS)
  tokenInUse: (token: string, arn: string) =>
    `You can't use ClientRequestToken ${token} because that value is already in use for a version of secret ${arn}.`,
  // CreateSecret (verified on real AWS)
  secretExists: (name: string) =>
    `The operation failed because the secret ${name} already exists.`,
  nameScheduledForDeletion:
    "You can't create this secret because a secret with this name is already scheduled for deletion.",
  // UpdateSecretVersionStage (verified on real AWS)
  removeFromVersionIdRequired: (stage: string, holder: string) =>
    `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${holder}, so you must explicitly reference that version in RemoveFromVersionId.`,
} as const;
