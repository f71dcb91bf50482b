import { SecretsManagerError } from './errors';
import { FILTER_KEYS } from './listing';
import { RequestReader } from './requestReader';
import { SecretsManagerStore } from './store';
import { Caller, ResponseObject } from './types';

type OperationHandler = (
  store: SecretsManagerStore,
  caller: Caller,
  request: RequestReader,
) => ResponseObject;

const SECRET_ID = { required: true, min: 1, max: 2048 } as const;
const VERSION_ID = { min: 32, max: 64 } as const;
const STAGE = { min: 1, max: 256 } as const;
const SECRET_STRING = { max: 65536, sensitive: true } as const;

/**
 * The Secrets Manager operations the sandbox emulates, by `X-Amz-Target` operation name.
 * Each reads and checks its request members, then calls the store.
 */
export const operations: Record<string, OperationHandler> = {
  CreateSecret(store, caller, r) {
    const input = {
      Name: r.string('Name', { required: true, min: 1, max: 512 }),
      ClientRequestToken: r.string('ClientRequestToken', VERSION_ID),
      Description: r.string('Description', { max: 2048 }),
      KmsKeyId: r.string('KmsKeyId', { max: 2048 }),
      SecretString: r.string('SecretString', SECRET_STRING),
      SecretBinary: r.blob('SecretBinary'),
      Tags: r.tags('Tags'),
    };
    r.done();
    unsupported(r, 'AddReplicaRegions', 'replication');
    return store.createSecret(caller, input);
  },

  DescribeSecret(store, caller, r) {
    const input = { SecretId: r.string('SecretId', SECRET_ID) };
    r.done();
    return store.describeSecret(caller, input);
  },

  GetSecretValue(store, caller, r) {
    const input = {
      SecretId: r.string('SecretId', SECRET_ID),
      VersionId: r.string('VersionId', VERSION_ID),
      VersionStage: r.string('VersionStage', STAGE),
    };
    r.done();
    return store.getSecretValue(caller, input);
  },

  PutSecretValue(store, caller, r) {
    const input = {
      SecretId: r.string('SecretId', SECRET_ID),
      ClientRequestToken: r.string('ClientRequestToken', VERSION_ID),
      SecretString: r.string('SecretString', SECRET_STRING),
      SecretBinary: r.blob('SecretBinary'),
      VersionStages: r.stringList('VersionStages', {
        min: 1,
        max: 20,
        item: STAGE,
      }),
    };
    r.done();
    return store.putSecretValue(caller, input);
  },

  UpdateSecretVersionStage(store, caller, r) {
    const input = {
      SecretId: r.string('SecretId', SECRET_ID),
      VersionStage: r.string('VersionStage', { ...STAGE, required: true }),
      MoveToVersionId: r.string('MoveToVersionId', VERSION_ID),
      RemoveFromVersionId: r.string('RemoveFromVersionId', VERSION_ID),
    };
    r.done();
    return store.updateSecretVersionStage(caller, input);
  },

  ListSecretVersionIds(store, caller, r) {
    const input = {
      SecretId: r.string('SecretId', SECRET_ID),
      MaxResults: r.integer('MaxResults', { min: 1, max: 100 }),
      NextToken: r.string('NextToken', { min: 1, max: 4096 }),
      IncludeDeprecated: r.boolean('IncludeDeprecated'),
    };
    r.done();
    return store.listSecretVersionIds(caller, input);
  },

  ListSecrets(store, caller, r) {
    const input = {
      MaxResults: r.integer('MaxResults', { min: 1, max: 100 }),
      NextToken: r.string('NextToken', { min: 1, max: 4096 }),
      Filters: r.filters('Filters', FILTER_KEYS),
      IncludePlannedDeletion: r.boolean('IncludePlannedDeletion'),
      SortOrder: r.enumeration('SortOrder', ['asc', 'desc'] as const),
      SortBy: r.enumeration('SortBy', [
        'created-date',
        'last-accessed-date',
        'last-changed-date',
        'name',
      ] as const),
    };
    r.done();
    return store.listSecrets(caller, input);
  },

  TagResource(store, caller, r) {
    const input = {
      SecretId: r.string('SecretId', SECRET_ID),
      Tags: r.tags('Tags', { required: true }) ?? [],
    };
    r.done();
    return store.tagResource(caller, input);
  },

  UntagResource(store, caller, r) {
    const input = {
      SecretId: r.string('SecretId', SECRET_ID),
      TagKeys:
        r.stringList('TagKeys', {
          required: true,
          item: { min: 1, max: 128 },
        }) ?? [],
    };
    r.done();
    return store.untagResource(caller, input);
  },

  DeleteSecret(store, caller, r) {
    const input = {
      SecretId: r.string('SecretId', SECRET_ID),
      // The range check (7-30) is the store's, with AWS's InvalidParameterException message.
      RecoveryWindowInDays: r.integer('RecoveryWindowInDays', {
        min: Number.MIN_SAFE_INTEGER,
        max: Number.MAX_SAFE_INTEGER,
      }),
      ForceDeleteWithoutRecovery: r.boolean('ForceDeleteWithoutRecovery'),
    };
    r.done();
    return store.deleteSecret(caller, input);
  },

  RestoreSecret(store, caller, r) {
    const input = { SecretId: r.string('SecretId', SECRET_ID) };
    r.done();
    return store.restoreSecret(caller, input);
  },
};

/** Refuses a feature the sandbox does not emulate instead of silently ignoring it. */
function unsupported(r: RequestReader, member: string, feature: string): void {
  if (r.has(member)) {
    throw new SecretsManagerError(
      'InvalidRequestException',
      `The Secrets Manager sandbox does not emulate ${feature} (${member}).`,
    );
  }
}
