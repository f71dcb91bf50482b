import type { CompoundEntityRef } from '@backstage/catalog-model';
import type {
  CredentialStatus,
  CredentialSummary,
  KeyTrafficSummary,
  OldKeySummary,
  Page,
  RotationPause,
  RotationSummary,
} from '@keyrotation/backstage-plugin-apigee-credentials-common';

/** Paging options of the list endpoints. @public */
export interface PageOptions {
  /** The `nextCursor` of the previous page; absent for the first page. */
  cursor?: string;
  limit?: number;
}

/** Filters of the fleet overview. @public */
export interface FleetFilter extends PageOptions {
  status?: CredentialStatus;
  /** Entity ref of the owning group or user. */
  owner?: string;
  /** `true`: only credentials with an old key that traffic shows still in use. */
  oldKeyInUse?: boolean;
  /** `true`: only credentials whose scheduled rotation is paused. */
  paused?: boolean;
}

/** Options of a manual rotation. @public */
export interface RotateOptions {
  /**
   * Revoke the current key as soon as the new one is promoted, without a grace period
   * (a leaked key): consumers still using it fail at once.
   */
  revokeOldKey?: boolean;
}

/**
 * What the frontend needs from the Apigee credentials backend. Every method rejects with a
 * `ResponseError` (from `@backstage/errors`) when the backend answers with an error status.
 *
 * @public
 */
export interface ApigeeCredentialsApi {
  /** Every credential bound to the entity, one per environment. */
  getEntityCredentials(
    entityRef: CompoundEntityRef,
  ): Promise<CredentialSummary[]>;

  /** One page of the rotation history of one binding, newest first. */
  getRotationHistory(
    entityRef: CompoundEntityRef,
    bindingId: string,
    options?: PageOptions,
  ): Promise<Page<RotationSummary>>;

  /**
   * Starts a manual rotation. Rejects with status 409 while a rotation of the binding runs,
   * 429 within the manual-rotation cooldown and 403 when the user may not rotate.
   */
  rotate(
    entityRef: CompoundEntityRef,
    bindingId: string,
    options?: RotateOptions,
  ): Promise<{ id: string }>;

  /**
   * Checks one binding live now (ownership, drift, age) and answers with the result.
   * Needs the rotate permission on the entity; rejects with 403 otherwise.
   */
  checkNow(
    entityRef: CompoundEntityRef,
    bindingId: string,
  ): Promise<CredentialSummary>;
  /**
   * Approves a binding whose secret and app carry no ownership marks, then checks it.
   * Needs the admin permission; rejects with 403 otherwise.
   */
  approve(
    entityRef: CompoundEntityRef,
    bindingId: string,
  ): Promise<CredentialSummary>;
  /**
   * Asks Apigee analytics now for the calls made with an old key: what an owner sees before
   * revoking it. Rejects with 503 when analytics did not answer or is not configured (the
   * error's message says why). Needs the rotate permission.
   */
  getOldKeyTraffic(
    entityRef: CompoundEntityRef,
    bindingId: string,
    keyFingerprint: string,
  ): Promise<KeyTrafficSummary>;

  /**
   * Revokes an old key now (a leaked key); it stays restorable for the restore window.
   * Rejects with 409 when the key is in AWSCURRENT again. Needs the rotate permission.
   */
  revokeOldKey(
    entityRef: CompoundEntityRef,
    bindingId: string,
    keyFingerprint: string,
  ): Promise<OldKeySummary>;

  /** Approves a revoked old key again, within its restore window. Needs the rotate permission. */
  restoreOldKey(
    entityRef: CompoundEntityRef,
    bindingId: string,
    keyFingerprint: string,
  ): Promise<OldKeySummary>;

  /**
   * Pauses scheduled rotation of one credential (manual rotation still works). The reason
   * (1 to 500 characters) is shown to everyone who sees the credential.
   */
  pause(
    entityRef: CompoundEntityRef,
    bindingId: string,
    reason: string,
  ): Promise<RotationPause>;

  /** Resumes scheduled rotation of one credential (no-op when it was not paused). */
  resume(entityRef: CompoundEntityRef, bindingId: string): Promise<void>;

  /** The current state of one rotation. */
  getRotation(rotationId: string): Promise<RotationSummary>;

  /** One page of every bound credential, across entities (fleet overview). */
  listCredentials(filter?: FleetFilter): Promise<Page<CredentialSummary>>;
}
