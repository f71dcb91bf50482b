/**
 * Shapes of the backend's REST API (`/api/apigee-credentials/v1/...`), shared with the
 * frontend. They carry identifiers, fingerprints and times, never a secret value.
 */

/**
 * Health of one bound credential:
 * - `ok`: younger than its maximum age;
 * - `due-soon`: within the warning period before its maximum age;
 * - `overdue`: older than its maximum age and not yet rotated;
 * - `rotating`: a rotation is running;
 * - `failed`: the last rotation failed (the current key is still the old, working one);
 * - `drift`: the key in Secrets Manager is not usable in Apigee (missing, revoked, expired,
 *   lost its products);
 * - `misconfigured`: the binding annotation or its configuration is invalid;
 * - `unverified`: the secret and app are not proven to belong to the entity (no ownership
 *   marks, no admin approval): the plugin neither rotates nor shows the credential.
 *
 * @public
 */
export type CredentialStatus =
  | 'ok'
  | 'due-soon'
  | 'overdue'
  | 'rotating'
  | 'failed'
  | 'drift'
  | 'misconfigured'
  | 'unverified';

/** How a rotation was started. @public */
export type RotationTrigger = 'schedule' | 'manual' | 'provision';

/** Outcome of a rotation. @public */
export type RotationStatus = 'running' | 'succeeded' | 'failed' | 'rolled-back';

/** One rotation, as listed in history and returned by `GET /v1/rotations/:id`. @public */
export interface RotationSummary {
  id: string;
  bindingId: string;
  status: RotationStatus;
  /**
   * The protocol phase reached: `started`, `created`, `imported`, `associated`, `tested`,
   * `promoted`, `completed`, or `rolling_back` and `failed` after a failure.
   */
  phase: string;
  trigger: RotationTrigger;
  /** Entity ref of the user who asked, for manual rotations. */
  actor?: string;
  error?: string;
  startedAt: string;
  finishedAt?: string;
  oldKeyFingerprint?: string;
  newKeyFingerprint?: string;
}

/** An old key awaiting deletion after its grace period. @public */
export interface PendingKeyDeletion {
  keyFingerprint: string;
  dueAt: string;
}

/** One credential binding of an entity, as returned by the credentials endpoints. @public */
export interface CredentialSummary {
  /** The binding id within the entity: its environment. */
  id: string;
  entityRef: string;
  environment: string;
  provider?: string;
  app?: string;
  /** Secret ARN or name. */
  secret?: string;
  keyFingerprint?: string;
  createdAt?: string;
  ageDays?: number;
  maxAgeDays?: number;
  status: CredentialStatus;
  statusReason?: string;
  lastRotation?: RotationSummary;
  nextRotationAt?: string;
  pendingDeletions: PendingKeyDeletion[];
  /** When the plugin last looked at the credential in Apigee and AWS. */
  checkedAt?: string;
  /** An admin's approval of targets that carry no ownership marks. */
  approval?: { by: string; at: string };
}

/** A page of items. @public */
export interface Page<T> {
  items: T[];
  /** Pass as `cursor` to get the next page; absent on the last page. */
  nextCursor?: string;
}
