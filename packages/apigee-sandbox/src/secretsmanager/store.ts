import { randomInt, randomUUID } from 'node:crypto';
import { buildSecretArn, parseSecretArn, SECRET_NAME_PATTERN } from './arn';
import { SecretsManagerError, messages } from './errors';
import { compareForListing, matchesFilters, paginate } from './listing';
import {
  parseStoreJson,
  serializeStore,
  SecretsManagerStoreJson,
} from './persistence';
import {
  Caller,
  CreateSecretInput,
  DeleteSecretInput,
  GetSecretValueInput,
  ListSecretVersionIdsInput,
  ListSecretsInput,
  PutSecretValueInput,
  ResponseObject,
  SandboxAccount,
  Secret,
  SecretVersion,
  Tag,
  UpdateSecretVersionStageInput,
} from './types';
import {
  applyPutSecretValueStages,
  AWSCURRENT,
  AWSPENDING,
  DEFAULT_MAX_VERSIONS_PER_SECRET,
  findVersion,
  hasValue,
  holderOf,
  makeRoomForNewVersion,
  updateVersionStage,
} from './versionRules';

const DAY_MS = 24 * 60 * 60 * 1000;
const DEFAULT_RECOVERY_WINDOW_DAYS = 30;
const DEFAULT_PAGE_SIZE = 100;

export interface SecretsManagerStoreOptions {
  /** Accounts and the access keys that authenticate as them (the SigV4 `Credential`). */
  accounts?: SandboxAccount[];
  /** Clock; tests replace it to move time (24 h version retention, recovery windows). */
  now?: () => Date;
  /** Versions-per-secret quota; 100 (as on AWS) unless set. */
  maxVersionsPerSecret?: number;
  /** Random integer in [0, max), for ARN suffixes; crypto.randomInt unless set. */
  random?: (max: number) => number;
}

export interface SeedSecretInput {
  accountId: string;
  region: string;
  name: string;
  secretString: string;
  description?: string;
  tags?: Tag[];
}

/**
 * The state of the emulated AWS Secrets Manager: accounts, regions, secrets, versions and
 * staging labels. Pure TypeScript without HTTP; every operation takes the resolved caller
 * and an AWS-shaped request, and returns an AWS-shaped response (Dates as `Date`) or throws
 * a {@link SecretsManagerError}.
 */
export class SecretsManagerStore {
  readonly #secrets = new Map<string, Secret>(); // by ARN
  readonly #accounts = new Map<string, string>(); // access key id -> account id
  readonly #now: () => Date;
  readonly #maxVersions: number;
  readonly #random: (max: number) => number;

  constructor(options: SecretsManagerStoreOptions = {}) {
    this.#now = options.now ?? (() => new Date());
    this.#maxVersions =
      options.maxVersionsPerSecret ?? DEFAULT_MAX_VERSIONS_PER_SECRET;
    this.#random = options.random ?? randomInt;
    for (const account of options.accounts ?? []) this.addAccount(account);
  }

  // ---------------------------------------------------------------- accounts

  addAccount(account: SandboxAccount): void {
    if (!/^\d{12}$/.test(account.accountId)) {
      throw new TypeError(
        `Account id must be 12 digits, got "${account.accountId}"`,
      );
    }
    if (!account.accessKeyId)
      throw new TypeError('An account needs an accessKeyId');
    this.#accounts.set(account.accessKeyId, account.accountId);
  }

  /** The account an access key authenticates as, or undefined when the key is unknown. */
  accountForAccessKey(accessKeyId: string): string | undefined {
    return this.#accounts.get(accessKeyId);
  }

  listAccounts(): SandboxAccount[] {
    return [...this.#accounts].map(([accessKeyId, accountId]) => ({
      accountId,
      accessKeyId,
    }));
  }

  // ---------------------------------------------------------------- operations

  createSecret(caller: Caller, input: CreateSecretInput): ResponseObject {
    this.#purgeExpired();
    if (!SECRET_NAME_PATTERN.test(input.Name)) {
      throw new SecretsManagerError(
        'ValidationException',
        'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
      );
    }
    assertAtMostOneValue(input);
    const existing = this.#findByName(
      caller.accountId,
      caller.region,
      input.Name,
    );
    if (existing) {
      if (existing.deletedDate) {
        throw new SecretsManagerError(
          'InvalidRequestException',
          messages.nameScheduledForDeletion,
        );
      }
      // Same token and same value: the same response again (verified on AWS).
      const token = input.ClientRequestToken;
      const firstVersion =
        token !== undefined ? findVersion(existing, token) : undefined;
      if (
        token !== undefined &&
        token === existing.createRequestToken &&
        sameValue(firstVersion, input)
      ) {
        return creationResponse(existing, firstVersion);
      }
      throw new SecretsManagerError(
        'ResourceExistsException',
        messages.secretExists(input.Name),
      );
    }

    const now = this.#now();
    const secret: Secret = {
      accountId: caller.accountId,
      region: caller.region,
      arn: buildSecretArn(
        caller.region,
        caller.accountId,
        input.Name,
        this.#random,
      ),
      name: input.Name,
      description: input.Description,
      kmsKeyId: input.KmsKeyId,
      tags: mergeTags([], input.Tags ?? []),
      createdDate: now,
      lastChangedDate: now,
      createRequestToken: input.ClientRequestToken,
      versions: [],
    };
    let version: SecretVersion | undefined;
    if (input.SecretString !== undefined || input.SecretBinary !== undefined) {
      // A value given at creation becomes the first version, with AWSCURRENT.
      version = {
        versionId: input.ClientRequestToken ?? randomUUID(),
        secretString: input.SecretString,
        secretBinary: input.SecretBinary,
        stages: [AWSCURRENT],
        createdDate: now,
      };
      secret.versions.push(version);
    }
    this.#secrets.set(secret.arn, secret);
    return creationResponse(secret, version);
  }

  describeSecret(caller: Caller, input: { SecretId: string }): ResponseObject {
    const secret = this.#resolve(caller, input.SecretId, {
      allowDeleted: true,
    });
    return {
      ...secretMetadata(secret),
      VersionIdsToStages: nonEmpty(versionsToStages(secret)),
    };
  }

  getSecretValue(caller: Caller, input: GetSecretValueInput): ResponseObject {
    const secret = this.#resolve(caller, input.SecretId);
    let version: SecretVersion | undefined;
    if (input.VersionId !== undefined) {
      version = findVersion(secret, input.VersionId);
      if (!version) {
        throw new SecretsManagerError(
          'ResourceNotFoundException',
          messages.valueNotFoundForVersionId(input.VersionId),
        );
      }
      if (
        input.VersionStage !== undefined &&
        !version.stages.includes(input.VersionStage)
      ) {
        throw new SecretsManagerError(
          'InvalidRequestException',
          'You provided a VersionStage that is not associated to the provided VersionId.',
        );
      }
    } else {
      version = holderOf(secret, input.VersionStage ?? AWSCURRENT);
    }
    // A missing version and a value-less placeholder both give ResourceNotFound.
    if (!version || !hasValue(version)) {
      throw new SecretsManagerError(
        'ResourceNotFoundException',
        input.VersionId !== undefined && input.VersionStage === undefined
          ? messages.valueNotFoundForVersionId(input.VersionId)
          : messages.valueNotFoundForStage(input.VersionStage ?? AWSCURRENT),
      );
    }
    const today = startOfUtcDay(this.#now());
    secret.lastAccessedDate = today;
    version.lastAccessedDate = today;
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.versionId,
      SecretString: version.secretString,
      SecretBinary: version.secretBinary,
      VersionStages: [...version.stages],
      CreatedDate: version.createdDate,
    };
  }

  putSecretValue(caller: Caller, input: PutSecretValueInput): ResponseObject {
    const secret = this.#resolve(caller, input.SecretId);
    const token = input.ClientRequestToken;
    if (token === undefined) {
      // The SDKs fill the token in; raw HTTP callers must send one.
      throw new SecretsManagerError(
        'InvalidRequestException',
        'You must provide a ClientRequestToken value. We recommend a UUID-type value.',
      );
    }
    assertAtMostOneValue(input);
    if (input.SecretString === undefined && input.SecretBinary === undefined) {
      throw new SecretsManagerError(
        'InvalidParameterException',
        'You must provide either SecretString or SecretBinary.',
      );
    }

    let version = findVersion(secret, token);
    if (version && hasValue(version)) {
      // Idempotency: same value is a no-op, a different one can't modify a version.
      if (!sameValue(version, input)) {
        throw new SecretsManagerError(
          'ResourceExistsException',
          messages.tokenInUse(token, secret.arn),
        );
      }
      return putResponse(secret, version);
    }

    const now = this.#now();
    if (version) {
      // Fill the value-less placeholder that RotateSecret creates.
      version.secretString = input.SecretString;
      version.secretBinary = input.SecretBinary;
    } else {
      makeRoomForNewVersion(secret, now, this.#maxVersions);
      version = {
        versionId: token,
        secretString: input.SecretString,
        secretBinary: input.SecretBinary,
        stages: [],
        createdDate: now,
      };
      secret.versions.push(version);
    }
    applyPutSecretValueStages(secret, version, input.VersionStages);
    secret.lastChangedDate = now;
    return putResponse(secret, version);
  }

  updateSecretVersionStage(
    caller: Caller,
    input: UpdateSecretVersionStageInput,
  ): ResponseObject {
    const secret = this.#resolve(caller, input.SecretId);
    updateVersionStage(secret, {
      stage: input.VersionStage,
      moveToVersionId: input.MoveToVersionId,
      removeFromVersionId: input.RemoveFromVersionId,
    });
    secret.lastChangedDate = this.#now();
    return { ARN: secret.arn, Name: secret.name };
  }

  listSecretVersionIds(
    caller: Caller,
    input: ListSecretVersionIdsInput,
  ): ResponseObject {
    const secret = this.#resolve(caller, input.SecretId, {
      allowDeleted: true,
    });
    // Only versions with a value; unlabeled ones only on request (moto lists them all).
    const visible = secret.versions
      .filter(
        v => hasValue(v) && (input.IncludeDeprecated || v.stages.length > 0),
      )
      .reverse(); // newest first
    const { page, nextToken } = paginate(
      visible,
      `ListSecretVersionIds:${secret.arn}:${input.IncludeDeprecated ? 1 : 0}`,
      input.MaxResults,
      input.NextToken,
      DEFAULT_PAGE_SIZE,
    );
    return {
      ARN: secret.arn,
      Name: secret.name,
      Versions: page.map(v => ({
        VersionId: v.versionId,
        VersionStages: v.stages.length > 0 ? [...v.stages] : undefined,
        LastAccessedDate: v.lastAccessedDate,
        CreatedDate: v.createdDate,
        KmsKeyIds: [secret.kmsKeyId ?? 'DefaultEncryptionKey'],
      })),
      NextToken: nextToken,
    };
  }

  listSecrets(caller: Caller, input: ListSecretsInput): ResponseObject {
    this.#purgeExpired();
    const compare = compareForListing(input.SortBy);
    const direction = input.SortOrder === 'desc' ? -1 : 1;
    const matching = [...this.#secrets.values()]
      .filter(
        s => s.accountId === caller.accountId && s.region === caller.region,
      )
      .filter(s => input.IncludePlannedDeletion || !s.deletedDate)
      .filter(s => matchesFilters(s, input.Filters))
      .sort((a, b) => direction * compare(a, b));
    const scope = `ListSecrets:${caller.accountId}:${
      caller.region
    }:${JSON.stringify([
      input.Filters ?? [],
      input.IncludePlannedDeletion ?? false,
      input.SortBy ?? '',
      input.SortOrder ?? '',
    ])}`;
    const { page, nextToken } = paginate(
      matching,
      scope,
      input.MaxResults,
      input.NextToken,
      DEFAULT_PAGE_SIZE,
    );
    return {
      SecretList: page.map(secret => ({
        ...secretMetadata(secret),
        SecretVersionsToStages: nonEmpty(versionsToStages(secret)),
      })),
      NextToken: nextToken,
    };
  }

  tagResource(
    caller: Caller,
    input: { SecretId: string; Tags: Tag[] },
  ): ResponseObject {
    const secret = this.#resolve(caller, input.SecretId);
    // Appends; a tag with an existing key replaces it.
    secret.tags = mergeTags(secret.tags, input.Tags);
    secret.lastChangedDate = this.#now();
    return {};
  }

  untagResource(
    caller: Caller,
    input: { SecretId: string; TagKeys: string[] },
  ): ResponseObject {
    const secret = this.#resolve(caller, input.SecretId);
    const remove = new Set(input.TagKeys);
    secret.tags = secret.tags.filter(t => !remove.has(t.Key));
    secret.lastChangedDate = this.#now();
    return {};
  }

  deleteSecret(caller: Caller, input: DeleteSecretInput): ResponseObject {
    const window = input.RecoveryWindowInDays;
    if (window !== undefined && input.ForceDeleteWithoutRecovery) {
      throw new SecretsManagerError(
        'InvalidParameterException',
        "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
      );
    }
    if (
      window !== undefined &&
      !(Number.isInteger(window) && window >= 7 && window <= 30)
    ) {
      throw new SecretsManagerError(
        'InvalidParameterException',
        'The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).',
      );
    }
    const now = this.#now();
    if (input.ForceDeleteWithoutRecovery) {
      let secret: Secret;
      try {
        secret = this.#resolve(caller, input.SecretId, { allowDeleted: true });
      } catch (error) {
        // Forcing the deletion of a missing secret is not an error (AWS API reference).
        if (
          error instanceof SecretsManagerError &&
          error.type === 'ResourceNotFoundException'
        ) {
          const arn = parseSecretArn(input.SecretId);
          return arn
            ? { ARN: input.SecretId, DeletionDate: now }
            : { Name: input.SecretId, DeletionDate: now };
        }
        throw error;
      }
      this.#secrets.delete(secret.arn);
      return { ARN: secret.arn, Name: secret.name, DeletionDate: now };
    }
    const secret = this.#resolve(caller, input.SecretId, {
      allowDeleted: true,
    });
    if (secret.deletedDate) {
      throw new SecretsManagerError(
        'InvalidRequestException',
        messages.alreadyMarkedDeleted,
      );
    }
    secret.deletedDate = now;
    secret.deletionDate = new Date(
      now.getTime() + (window ?? DEFAULT_RECOVERY_WINDOW_DAYS) * DAY_MS,
    );
    secret.lastChangedDate = now;
    return {
      ARN: secret.arn,
      Name: secret.name,
      DeletionDate: secret.deletionDate,
    };
  }

  restoreSecret(caller: Caller, input: { SecretId: string }): ResponseObject {
    const secret = this.#resolve(caller, input.SecretId, {
      allowDeleted: true,
    });
    if (secret.deletedDate) {
      secret.deletedDate = undefined;
      secret.deletionDate = undefined;
      secret.lastChangedDate = this.#now();
    }
    return { ARN: secret.arn, Name: secret.name };
  }

  // ---------------------------------------------------------------- sandbox helpers

  /** Creates a secret with one AWSCURRENT version, for seed files. Fails if the name is taken. */
  seedSecret(input: SeedSecretInput): {
    arn: string;
    name: string;
    versionId: string;
  } {
    const response = this.createSecret(
      { accountId: input.accountId, region: input.region },
      {
        Name: input.name,
        SecretString: input.secretString,
        Description: input.description,
        Tags: input.tags,
        ClientRequestToken: randomUUID(),
      },
    );
    return {
      arn: response.ARN as string,
      name: response.Name as string,
      versionId: response.VersionId as string,
    };
  }

  /**
   * Adds a value-less version labelled AWSPENDING, as RotateSecret does before it calls the
   * rotation Lambda. The sandbox has no RotateSecret; this lets tests build
   * that state. AWSPENDING moves here from any other version.
   */
  addPendingPlaceholder(input: {
    accountId: string;
    region: string;
    secretId: string;
    clientRequestToken: string;
  }): void {
    const secret = this.#resolve(
      { accountId: input.accountId, region: input.region },
      input.secretId,
    );
    if (findVersion(secret, input.clientRequestToken)) {
      throw new SecretsManagerError(
        'ResourceExistsException',
        messages.tokenInUse(input.clientRequestToken, secret.arn),
      );
    }
    const now = this.#now();
    makeRoomForNewVersion(secret, now, this.#maxVersions);
    const holder = holderOf(secret, AWSPENDING);
    if (holder) holder.stages = holder.stages.filter(s => s !== AWSPENDING);
    secret.versions.push({
      versionId: input.clientRequestToken,
      stages: [AWSPENDING],
      createdDate: now,
    });
    secret.lastChangedDate = now;
  }

  /** A deep copy of one secret's state (values included), or undefined. For tests and tools. */
  inspectSecret(
    accountId: string,
    region: string,
    secretId: string,
  ): Secret | undefined {
    try {
      return structuredClone(
        this.#resolve({ accountId, region }, secretId, { allowDeleted: true }),
      );
    } catch {
      return undefined;
    }
  }

  // ---------------------------------------------------------------- persistence

  /** The whole state, secret values included (this is a sandbox file, not a real store). */
  toJSON(): SecretsManagerStoreJson {
    this.#purgeExpired();
    return serializeStore(this.listAccounts(), [...this.#secrets.values()]);
  }

  /**
   * Restores a store from {@link SecretsManagerStore.toJSON} output. Accounts given in
   * `options` are added to the saved ones.
   */
  static fromJSON(
    json: unknown,
    options: SecretsManagerStoreOptions = {},
  ): SecretsManagerStore {
    const { accounts, secrets } = parseStoreJson(json);
    const store = new SecretsManagerStore({
      ...options,
      accounts: [...accounts, ...(options.accounts ?? [])],
    });
    for (const secret of secrets) store.#secrets.set(secret.arn, secret);
    return store;
  }

  // ---------------------------------------------------------------- internals

  #findByName(
    accountId: string,
    region: string,
    name: string,
  ): Secret | undefined {
    for (const secret of this.#secrets.values()) {
      if (
        secret.accountId === accountId &&
        secret.region === region &&
        secret.name === name
      ) {
        return secret;
      }
    }
    return undefined;
  }

  /** Secrets whose recovery window has passed are gone, as in AWS. */
  #purgeExpired(): void {
    const now = this.#now().getTime();
    for (const [arn, secret] of this.#secrets) {
      if (secret.deletionDate && secret.deletionDate.getTime() <= now)
        this.#secrets.delete(arn);
    }
  }

  /**
   * Finds the secret a SecretId names: a name in the caller's account and Region, or a
   * complete or partial ARN. Secrets scheduled for deletion are refused unless allowed.
   */
  #resolve(
    caller: Caller,
    secretId: string,
    options: { allowDeleted?: boolean } = {},
  ): Secret {
    this.#purgeExpired();
    let secret: Secret | undefined;
    const arn = parseSecretArn(secretId);
    if (arn) {
      if (arn.accountId !== caller.accountId) {
        const action = `secretsmanager:${caller.operation ?? '*'}`;
        throw new SecretsManagerError(
          'AccessDeniedException',
          `User: arn:aws:iam::${caller.accountId}:user/sandbox is not authorized to perform: ${action} on resource: ${secretId} because no resource-based policy allows the ${action} action`,
        );
      }
      if (arn.region === caller.region) {
        secret =
          this.#secrets.get(secretId) ??
          this.#findByName(caller.accountId, caller.region, arn.resource);
      }
    } else {
      secret = this.#findByName(caller.accountId, caller.region, secretId);
    }
    if (!secret) {
      throw new SecretsManagerError(
        'ResourceNotFoundException',
        messages.secretNotFound,
      );
    }
    if (secret.deletedDate && !options.allowDeleted) {
      throw new SecretsManagerError(
        'InvalidRequestException',
        messages.markedForDeletion,
      );
    }
    return secret;
  }
}

function assertAtMostOneValue(input: {
  SecretString?: string;
  SecretBinary?: string;
}): void {
  if (input.SecretString !== undefined && input.SecretBinary !== undefined) {
    throw new SecretsManagerError(
      'InvalidParameterException',
      messages.bothValues,
    );
  }
}

function sameValue(
  version: SecretVersion | undefined,
  input: { SecretString?: string; SecretBinary?: string },
): boolean {
  return (
    version?.secretString === input.SecretString &&
    version?.secretBinary === input.SecretBinary
  );
}

function mergeTags(existing: Tag[], added: Tag[]): Tag[] {
  const byKey = new Map(existing.map(t => [t.Key, t.Value]));
  for (const tag of added) byKey.set(tag.Key, tag.Value);
  return [...byKey].map(([Key, Value]) => ({ Key, Value }));
}

function creationResponse(
  secret: Secret,
  version: SecretVersion | undefined,
): ResponseObject {
  return { ARN: secret.arn, Name: secret.name, VersionId: version?.versionId };
}

function putResponse(secret: Secret, version: SecretVersion): ResponseObject {
  return {
    ARN: secret.arn,
    Name: secret.name,
    VersionId: version.versionId,
    VersionStages: [...version.stages],
  };
}

/** Versions that have labels, value or not; unlabeled ones are left out (moto keeps them). */
function versionsToStages(secret: Secret): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const v of secret.versions)
    if (v.stages.length > 0) result[v.versionId] = [...v.stages];
  return result;
}

/** Fields DescribeSecret and ListSecrets share; absent values stay absent, as on AWS. */
function secretMetadata(secret: Secret): ResponseObject {
  return {
    ARN: secret.arn,
    Name: secret.name,
    Description: secret.description,
    KmsKeyId: secret.kmsKeyId,
    LastChangedDate: secret.lastChangedDate,
    LastAccessedDate: secret.lastAccessedDate,
    DeletedDate: secret.deletedDate,
    Tags: secret.tags.length > 0 ? secret.tags.map(t => ({ ...t })) : undefined,
    CreatedDate: secret.createdDate,
  };
}

function nonEmpty<T extends object>(value: T): T | undefined {
  return Object.keys(value).length > 0 ? value : undefined;
}

function startOfUtcDay(date: Date): Date {
  return new Date(
    Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()),
  );
}
