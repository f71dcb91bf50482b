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

/**
 * Where an old key is on its way out (see docs/key-retirement.md):
 * - `in-grace`: the grace period after the rotation is running;
 * - `checking`: the last traffic check saw no calls; one more silent check deletes it;
 * - `in-use`: the last traffic check saw calls with it;
 * - `waiting-for-analytics`: analytics did not answer or is not configured: never deleted on
 *   missing data;
 * - `revoked`: Apigee rejects it; an owner can restore it until `restorableUntil`;
 * - `deleted`: gone from the app;
 * - `blocked`: it is in AWSCURRENT again, so it is never deleted.
 *
 * @public
 */
export type OldKeyState =
  | 'in-grace'
  | 'checking'
  | 'in-use'
  | 'waiting-for-analytics'
  | 'revoked'
  | 'deleted'
  | 'blocked';

/** Calls seen with one key in Apigee analytics. Never carries the key itself. @public */
export interface KeyTrafficSummary {
  /** Calls in the window. */
  calls: number;
  /** The newest call in the window. */
  lastCallAt?: string;
  /** The window asked about: from `windowStart` to `checkedAt`. */
  windowStart: string;
  checkedAt: string;
  /** Calls per proxy and client (IP address), where analytics has them; largest first. */
  sources: Array<{ proxy?: string; client?: string; calls: number }>;
}

/** One old key of a credential and its retirement. @public */
export interface OldKeySummary {
  keyFingerprint: string;
  state: OldKeyState;
  /** End of the grace period. */
  graceEndsAt: string;
  /** When a key still in use is revoked; absent when old keys are retired by time. */
  deadlineAt?: string;
  /** The next traffic check or deletion attempt. */
  nextCheckAt?: string;
  /** Why the key waits (analytics down, ownership not proven) or what failed last. */
  reason?: string;
  /** The last traffic check. */
  traffic?: KeyTrafficSummary;
  revokedAt?: string;
  /** Entity ref of the user who revoked it; absent when the deadline did. */
  revokedBy?: string;
  /** Until when an owner can restore a revoked key. */
  restorableUntil?: string;
  deletedAt?: string;
}

/** Scheduled rotation of a credential, paused by an owner. @public */
export interface RotationPause {
  by: string;
  at: string;
  reason: string;
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
  /** Old keys not yet deleted, and those deleted in the last few days, newest first. */
  oldKeys: OldKeySummary[];
  /** How old keys are retired: after traffic stops (default), or when the grace period ends. */
  retireOldKeys: 'traffic' | 'time';
  /** When analytics first showed calls with the current key, once an old key is waiting. */
  currentKeyFirstUsedAt?: string;
  /** Present while scheduled rotation is paused. */
  paused?: RotationPause;
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
