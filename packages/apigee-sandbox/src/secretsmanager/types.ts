/** A tag on a secret, as on the wire. */
export interface Tag {
  Key: string;
  Value: string;
}

/** One version of a secret. A version without a value is a placeholder. */
export interface SecretVersion {
  versionId: string;
  secretString?: string;
  /** Base64, as on the wire. */
  secretBinary?: string;
  /** Staging labels; a version with none is "deprecated". */
  stages: string[];
  createdDate: Date;
  /** Day resolution, like AWS. */
  lastAccessedDate?: Date;
}

export interface Secret {
  accountId: string;
  region: string;
  arn: string;
  name: string;
  description?: string;
  kmsKeyId?: string;
  tags: Tag[];
  createdDate: Date;
  lastChangedDate: Date;
  lastAccessedDate?: Date;
  /** When DeleteSecret was called; set while the secret is scheduled for deletion. */
  deletedDate?: Date;
  /** When the scheduled deletion takes effect (DeletedDate + recovery window). */
  deletionDate?: Date;
  /** ClientRequestToken of the CreateSecret call, for its idempotency. */
  createRequestToken?: string;
  /** Oldest first. */
  versions: SecretVersion[];
}

/** An AWS account known to the sandbox and the access key that authenticates as it. */
export interface SandboxAccount {
  accountId: string;
  accessKeyId: string;
}

/** Who is calling: resolved from the SigV4 credential scope and the account map. */
export interface Caller {
  accountId: string;
  region: string;
  /** The AWS operation, used in AccessDenied messages. */
  operation?: string;
}

export interface Filter {
  Key: string;
  Values: string[];
}

export interface CreateSecretInput {
  Name: string;
  ClientRequestToken?: string;
  Description?: string;
  KmsKeyId?: string;
  SecretString?: string;
  SecretBinary?: string;
  Tags?: Tag[];
}

export interface GetSecretValueInput {
  SecretId: string;
  VersionId?: string;
  VersionStage?: string;
}

export interface PutSecretValueInput {
  SecretId: string;
  ClientRequestToken?: string;
  SecretString?: string;
  SecretBinary?: string;
  VersionStages?: string[];
}

export interface UpdateSecretVersionStageInput {
  SecretId: string;
  VersionStage: string;
  MoveToVersionId?: string;
  RemoveFromVersionId?: string;
}

export interface ListSecretVersionIdsInput {
  SecretId: string;
  MaxResults?: number;
  NextToken?: string;
  IncludeDeprecated?: boolean;
}

export interface ListSecretsInput {
  MaxResults?: number;
  NextToken?: string;
  Filters?: Filter[];
  IncludePlannedDeletion?: boolean;
  SortOrder?: 'asc' | 'desc';
  SortBy?: 'created-date' | 'last-accessed-date' | 'last-changed-date' | 'name';
}

export interface DeleteSecretInput {
  SecretId: string;
  RecoveryWindowInDays?: number;
  ForceDeleteWithoutRecovery?: boolean;
}

/** Response objects are plain AWS-shaped records; the router turns Dates into epoch seconds. */
export type ResponseObject = Record<string, unknown>;
