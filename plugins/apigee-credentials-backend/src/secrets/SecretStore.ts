import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { ForwardedError, InputError, NotAllowedError } from '@backstage/errors';
import { AwsCredentialsManager } from '@backstage/integration-aws-node';
import Bottleneck from 'bottleneck';
import { SecretReference } from '../engine/types';
import { ResolvedSecret, resolveSecretReference } from './arn';

/** One version of a secret with its value. The value stays in memory only. */
export interface SecretVersionValue {
  versionId: string;
  stages: string[];
  secretString?: string;
}

/**
 * The Secrets Manager operations the rotation protocol needs (their AWS behaviour is in
 * docs/apigee-and-aws-facts.md). Every method is safe to call again with the same arguments.
 */
export interface SecretStore {
  /** Where the secret lives; throws NotAllowedError when its account is not allow-listed. */
  resolve(ref: SecretReference): ResolvedSecret;
  /** Version id → staging labels, for every labelled version (DescribeSecret). */
  describeStages(ref: SecretReference): Promise<Record<string, string[]>>;
  /**
   * The secret's metadata (DescribeSecret): ARN, tags and version stages, never a value;
   * undefined when the secret does not exist.
   */
  describeSecret(ref: SecretReference): Promise<SecretDescription | undefined>;
  /**
   * A version chosen by id and/or staging label; undefined when there is no such version
   * or it has no value (AWS answers ResourceNotFoundException for a value-less version).
   */
  getVersion(
    ref: SecretReference,
    selector: { versionId?: string; stage?: string },
  ): Promise<SecretVersionValue | undefined>;
  /**
   * Stores a new version labelled AWSPENDING only, with `token` as ClientRequestToken, so
   * the call is idempotent and the version id equals the token.
   */
  putPendingVersion(
    ref: SecretReference,
    token: string,
    secretString: string,
  ): Promise<void>;
  /**
   * Moves or removes a staging label (UpdateSecretVersionStage). Moving AWSCURRENT also moves
   * AWSPREVIOUS to the version it left.
   */
  updateStage(
    ref: SecretReference,
    stage: string,
    versions: { moveToVersionId?: string; removeFromVersionId?: string },
  ): Promise<void>;
}

/** What DescribeSecret tells about a secret. */
export interface SecretDescription {
  arn: string;
  tags: Record<string, string>;
  /** Version id → staging labels. */
  stages: Record<string, string[]>;
}

/** A secret to create without a value; its first version comes from the protocol. */
export interface NewSecret {
  name: string;
  accountId: string;
  region: string;
  description?: string;
  kmsKeyId?: string;
  tags?: Record<string, string>;
}

/** The Secrets Manager operations provisioning needs on top of rotation's. */
export interface SecretProvisioning {
  /**
   * Creates a secret whose first version (AWSCURRENT) is `first.secretString`, with
   * `first.token` as its version id, and returns its ARN. A retry with the same arguments
   * returns the same secret (AWS: same token and value, same answer).
   */
  createSecret(
    secret: NewSecret,
    first: { token: string; secretString: string },
  ): Promise<{ arn: string }>;
  /**
   * Stores a version labelled AWSCURRENT, with `token` as its id (idempotent). Only for a
   * secret without any version: Secrets Manager makes a secret's first version AWSCURRENT
   * whatever labels are asked for, so a new key must not be its first version.
   */
  putFirstVersion(
    ref: SecretReference,
    token: string,
    secretString: string,
  ): Promise<void>;
  /** The secret's ARN, tags and staging labels; undefined when it does not exist. */
  findSecret(ref: SecretReference): Promise<
    | {
        arn: string;
        tags: Record<string, string>;
        stages: Record<string, string[]>;
      }
    | undefined
  >;
  /**
   * Deletes a secret at once, without a recovery window: only for a secret this plugin
   * created and never promoted a value in. Succeeds when the secret is already gone.
   */
  deleteSecret(ref: SecretReference): Promise<void>;
}

/** Whether a store can also create and delete secrets (the AWS one can; test fakes may not). */
export function canProvisionSecrets(
  store: SecretStore,
): store is SecretStore & SecretProvisioning {
  const candidate = store as Partial<SecretProvisioning>;
  return (
    typeof candidate.createSecret === 'function' &&
    typeof candidate.putFirstVersion === 'function' &&
    typeof candidate.deleteSecret === 'function' &&
    typeof candidate.findSecret === 'function'
  );
}

/** Settings of {@link AwsSecretStore}. */
export interface AwsSecretStoreOptions {
  credentialsManager: AwsCredentialsManager;
  /** Accounts the plugin may read and write secrets in; everything else is refused. */
  allowedAccountIds: string[];
  /** Endpoint override, e.g. the sandbox URL; the regional AWS endpoint otherwise. */
  endpoint?: string;
  /** Per-request timeout (the engine retries on top of it). */
  requestTimeoutMs?: number;
  /**
   * Client-side limit of Secrets Manager requests per second, per account and Region (AWS
   * applies its quotas per account and Region). Unlimited when unset.
   */
  maxRequestsPerSecond?: number;
}

/** {@link SecretStore} on the AWS SDK v3, with credentials from `aws.accounts` config. */
export class AwsSecretStore implements SecretStore, SecretProvisioning {
  readonly #options: AwsSecretStoreOptions;
  readonly #allowed: ReadonlySet<string>;
  readonly #clients = new Map<string, Promise<SecretsManagerClient>>();
  readonly #limiters = new Map<string, Bottleneck>();

  constructor(options: AwsSecretStoreOptions) {
    const rate = options.maxRequestsPerSecond;
    if (rate !== undefined && !(rate > 0)) {
      throw new InputError(
        `apigeeCredentials.aws.maxRequestsPerSecond must be positive, got ${rate}`,
      );
    }
    this.#options = options;
    this.#allowed = new Set(options.allowedAccountIds);
  }

  resolve(ref: SecretReference): ResolvedSecret {
    const resolved = resolveSecretReference(ref);
    if (!this.#allowed.has(resolved.accountId)) {
      throw new NotAllowedError(
        `AWS account ${resolved.accountId} of secret ${resolved.label} is not in apigeeCredentials.aws.allowedAccountIds; the plugin refuses to write there`,
      );
    }
    return resolved;
  }

  async describeStages(
    ref: SecretReference,
  ): Promise<Record<string, string[]>> {
    const { client, secret } = await this.#client(ref);
    const response = await this.#call('DescribeSecret', secret, () =>
      client.send(new DescribeSecretCommand({ SecretId: secret.secretId })),
    );
    return response.VersionIdsToStages ?? {};
  }

  async getVersion(
    ref: SecretReference,
    selector: { versionId?: string; stage?: string },
  ): Promise<SecretVersionValue | undefined> {
    const { client, secret } = await this.#client(ref);
    try {
      const response = await this.#call('GetSecretValue', secret, () =>
        client.send(
          new GetSecretValueCommand({
            SecretId: secret.secretId,
            VersionId: selector.versionId,
            VersionStage: selector.stage,
          }),
        ),
      );
      return {
        versionId: response.VersionId!,
        stages: response.VersionStages ?? [],
        secretString: response.SecretString,
      };
    } catch (error) {
      if (
        (error as Error).name === 'ResourceNotFoundException' &&
        (selector.versionId || selector.stage !== 'AWSCURRENT')
      ) {
        return undefined;
      }
      throw error;
    }
  }

  async putPendingVersion(
    ref: SecretReference,
    token: string,
    secretString: string,
  ): Promise<void> {
    await this.#putVersion(ref, token, secretString, 'AWSPENDING');
  }

  async updateStage(
    ref: SecretReference,
    stage: string,
    versions: { moveToVersionId?: string; removeFromVersionId?: string },
  ): Promise<void> {
    const { client, secret } = await this.#client(ref);
    await this.#call('UpdateSecretVersionStage', secret, () =>
      client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: secret.secretId,
          VersionStage: stage,
          MoveToVersionId: versions.moveToVersionId,
          RemoveFromVersionId: versions.removeFromVersionId,
        }),
      ),
    );
  }

  async createSecret(
    secret: NewSecret,
    first: { token: string; secretString: string },
  ): Promise<{ arn: string }> {
    const ref = {
      name: secret.name,
      accountId: secret.accountId,
      region: secret.region,
    };
    const { client, secret: resolved } = await this.#client(ref);
    const response = await this.#call('CreateSecret', resolved, () =>
      client.send(
        new CreateSecretCommand({
          Name: secret.name,
          ClientRequestToken: first.token,
          SecretString: first.secretString,
          Description: secret.description,
          KmsKeyId: secret.kmsKeyId,
          Tags: secret.tags
            ? Object.entries(secret.tags).map(([Key, Value]) => ({
                Key,
                Value,
              }))
            : undefined,
        }),
      ),
    );
    return { arn: response.ARN! };
  }

  async putFirstVersion(
    ref: SecretReference,
    token: string,
    secretString: string,
  ): Promise<void> {
    await this.#putVersion(ref, token, secretString, 'AWSCURRENT');
  }

  /** PutSecretValue with the token as version id (idempotent) and one staging label. */
  async #putVersion(
    ref: SecretReference,
    token: string,
    secretString: string,
    stage: 'AWSPENDING' | 'AWSCURRENT',
  ): Promise<void> {
    const { client, secret } = await this.#client(ref);
    await this.#call('PutSecretValue', secret, () =>
      client.send(
        new PutSecretValueCommand({
          SecretId: secret.secretId,
          ClientRequestToken: token,
          SecretString: secretString,
          VersionStages: [stage],
        }),
      ),
    );
  }

  async findSecret(ref: SecretReference) {
    return this.describeSecret(ref);
  }

  async describeSecret(
    ref: SecretReference,
  ): Promise<SecretDescription | undefined> {
    const { client, secret } = await this.#client(ref);
    try {
      const response = await this.#call('DescribeSecret', secret, () =>
        client.send(new DescribeSecretCommand({ SecretId: secret.secretId })),
      );
      return {
        arn: response.ARN!,
        tags: Object.fromEntries(
          (response.Tags ?? []).map(tag => [tag.Key ?? '', tag.Value ?? '']),
        ),
        stages: response.VersionIdsToStages ?? {},
      };
    } catch (error) {
      if ((error as Error).name === 'ResourceNotFoundException')
        return undefined;
      throw error;
    }
  }

  async deleteSecret(ref: SecretReference): Promise<void> {
    const { client, secret } = await this.#client(ref);
    try {
      await this.#call('DeleteSecret', secret, () =>
        client.send(
          new DeleteSecretCommand({
            SecretId: secret.secretId,
            ForceDeleteWithoutRecovery: true,
          }),
        ),
      );
    } catch (error) {
      if ((error as Error).name === 'ResourceNotFoundException') return;
      throw error;
    }
  }

  async #client(
    ref: SecretReference,
  ): Promise<{ client: SecretsManagerClient; secret: ResolvedSecret }> {
    const secret = this.resolve(ref);
    const cacheKey = `${secret.accountId}/${secret.region}`;
    let client = this.#clients.get(cacheKey);
    if (!client) {
      client = this.#createClient(secret.accountId, secret.region);
      this.#clients.set(cacheKey, client);
      // A failed credential lookup must not be cached for good.
      client.catch(() => this.#clients.delete(cacheKey));
    }
    return { client: await client, secret };
  }

  async #createClient(
    accountId: string,
    region: string,
  ): Promise<SecretsManagerClient> {
    const provider =
      await this.#options.credentialsManager.getCredentialProvider({
        accountId,
      });
    const timeout = this.#options.requestTimeoutMs ?? 20_000;
    return new SecretsManagerClient({
      region,
      endpoint: this.#options.endpoint,
      credentials: provider.sdkCredentialProvider,
      // The engine owns retries (bounded, idempotent per step); one attempt per call here.
      maxAttempts: 1,
      // Without throwOnRequestTimeout the SDK only warns and keeps waiting on a hung call.
      requestHandler: {
        requestTimeout: timeout,
        connectionTimeout: timeout,
        throwOnRequestTimeout: true,
      },
    });
  }

  /** The rate limiter of the secret's account and Region, when a limit is configured. */
  #limiter(secret: ResolvedSecret): Bottleneck | undefined {
    const rate = this.#options.maxRequestsPerSecond;
    if (!rate) return undefined;
    const key = `${secret.accountId}/${secret.region}`;
    let limiter = this.#limiters.get(key);
    if (!limiter) {
      // Requests start at least 1/rate s apart; the extra millisecond absorbs network jitter
      // (two requests arriving closer than they left), so AWS never counts more than `rate`
      // in one second.
      limiter = new Bottleneck({ minTime: Math.ceil(1000 / rate) + 1 });
      this.#limiters.set(key, limiter);
    }
    return limiter;
  }

  /** Runs an SDK call; failures name the operation and the secret, never a value. */
  async #call<T>(
    operation: string,
    secret: ResolvedSecret,
    fn: () => Promise<T>,
  ): Promise<T> {
    const limiter = this.#limiter(secret);
    try {
      return await (limiter ? limiter.schedule(fn) : fn());
    } catch (error) {
      // ForwardedError keeps the SDK error's name (callers branch on it) and its cause.
      throw new ForwardedError(
        `Secrets Manager ${operation} on ${secret.label} failed`,
        error,
      );
    }
  }
}
