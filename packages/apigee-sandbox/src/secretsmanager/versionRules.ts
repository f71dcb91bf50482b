import { SecretsManagerError, messages } from './errors';
import { Secret, SecretVersion } from './types';

export const AWSCURRENT = 'AWSCURRENT';
export const AWSPREVIOUS = 'AWSPREVIOUS';
export const AWSPENDING = 'AWSPENDING';

/** AWS keeps every version younger than this. */
export const VERSION_MIN_RETENTION_MS = 24 * 60 * 60 * 1000;
/** Default versions-per-secret quota (AWS "keeps 100 of the most recent versions"). */
export const DEFAULT_MAX_VERSIONS_PER_SECRET = 100;

export function hasValue(version: SecretVersion): boolean {
  return (
    version.secretString !== undefined || version.secretBinary !== undefined
  );
}

export function findVersion(
  secret: Secret,
  versionId: string,
): SecretVersion | undefined {
  return secret.versions.find(v => v.versionId === versionId);
}

/** The version a staging label is attached to; a label is on at most one version. */
export function holderOf(
  secret: Secret,
  stage: string,
): SecretVersion | undefined {
  return secret.versions.find(v => v.stages.includes(stage));
}

/**
 * Attaches a label to `target`, detaching it from the version that had it. Moving AWSCURRENT
 * also moves AWSPREVIOUS to the version AWSCURRENT left; no other label of that version is
 * touched (as on AWS; moto replaces them all with AWSPREVIOUS).
 */
function attach(secret: Secret, target: SecretVersion, stage: string): void {
  const holder = holderOf(secret, stage);
  if (holder === target) return;
  if (holder) holder.stages = holder.stages.filter(s => s !== stage);
  target.stages.push(stage);
  if (stage === AWSCURRENT && holder) attach(secret, holder, AWSPREVIOUS);
}

/**
 * Staging labels for a version written by PutSecretValue: by default AWSCURRENT
 * moves to it; labels named in the request move to it implicitly; the first version of a
 * secret always gets AWSCURRENT.
 */
export function applyPutSecretValueStages(
  secret: Secret,
  target: SecretVersion,
  requested: string[] | undefined,
): void {
  const stages = [...new Set(requested ?? [AWSCURRENT])];
  const isFirstVersion = secret.versions.every(v => v === target);
  if (isFirstVersion && !stages.includes(AWSCURRENT)) stages.push(AWSCURRENT);
  for (const stage of stages) attach(secret, target, stage);
}

/**
 * UpdateSecretVersionStage. For every label, not only AWSCURRENT (moto checks AWSCURRENT only):
 * - moving a label that is attached to another version needs RemoveFromVersionId naming
 *   exactly that version;
 * - RemoveFromVersionId must name the version that has the label;
 * - moving AWSCURRENT moves AWSPREVIOUS to the version it left.
 */
export function updateVersionStage(
  secret: Secret,
  request: {
    stage: string;
    moveToVersionId?: string;
    removeFromVersionId?: string;
  },
): void {
  const { stage, moveToVersionId, removeFromVersionId } = request;
  if (moveToVersionId === undefined && removeFromVersionId === undefined) {
    throw new SecretsManagerError(
      'InvalidParameterException',
      'You must specify MoveToVersionId, RemoveFromVersionId, or both.',
    );
  }
  const moveTo =
    moveToVersionId !== undefined
      ? requireVersion(secret, moveToVersionId)
      : undefined;
  const removeFrom =
    removeFromVersionId !== undefined
      ? requireVersion(secret, removeFromVersionId)
      : undefined;
  const holder = holderOf(secret, stage);

  if (removeFrom && holder !== removeFrom) {
    throw new SecretsManagerError(
      'InvalidParameterException',
      holder
        ? `The parameter RemoveFromVersionId doesn't match. Staging label ${stage} is currently attached to version ${holder.versionId}, not to version ${removeFrom.versionId}.`
        : `Staging label ${stage} isn't attached to version ${removeFrom.versionId}, so it can't be removed from it.`,
    );
  }

  if (moveTo) {
    if (holder && holder !== moveTo && !removeFrom) {
      throw new SecretsManagerError(
        'InvalidParameterException',
        messages.removeFromVersionIdRequired(stage, holder.versionId),
      );
    }
    attach(secret, moveTo, stage);
    return;
  }

  if (stage === AWSCURRENT) {
    throw new SecretsManagerError(
      'InvalidParameterException',
      `You can't remove the staging label ${AWSCURRENT} without attaching it to another version. Specify MoveToVersionId too.`,
    );
  }
  removeFrom!.stages = removeFrom!.stages.filter(s => s !== stage);
}

function requireVersion(secret: Secret, versionId: string): SecretVersion {
  const version = findVersion(secret, versionId);
  if (!version) {
    throw new SecretsManagerError(
      'InvalidParameterException',
      `Secret ${secret.name} has no version with VersionId ${versionId}.`,
    );
  }
  return version;
}

/**
 * Frees room for one more version: unlabeled versions at least 24 h old are
 * removed, oldest first, until the secret is under the quota. Labeled versions and versions
 * younger than 24 h are always kept; when nothing can be removed the write fails with
 * LimitExceededException. Note the JS SDK retries that error as throttling.
 */
export function makeRoomForNewVersion(
  secret: Secret,
  now: Date,
  maxVersions: number,
): void {
  const excess = secret.versions.length + 1 - maxVersions;
  if (excess <= 0) return;
  const removable = secret.versions.filter(
    v =>
      v.stages.length === 0 &&
      now.getTime() - v.createdDate.getTime() >= VERSION_MIN_RETENTION_MS,
  );
  if (removable.length < excess) {
    throw new SecretsManagerError(
      'LimitExceededException',
      `You can't create another version of secret ${secret.arn}: it already has ${secret.versions.length} versions, ` +
        `the quota is ${maxVersions}, and Secrets Manager keeps every version that has a staging label or was created in the last 24 hours.`,
    );
  }
  const doomed = new Set(removable.slice(0, excess)); // versions are stored oldest first
  secret.versions = secret.versions.filter(v => !doomed.has(v));
}
