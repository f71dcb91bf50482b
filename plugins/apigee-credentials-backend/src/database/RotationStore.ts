import {
  CredentialBinding,
  OwnershipState,
  DriftProblem,
  KeyDeletionRecord,
  RotationErrorCode,
  RotationPhase,
  RotationRecord,
  RotationTrigger,
} from '../engine/types';

/**
 * A per-binding lease. `token` changes at every acquisition, so a worker that lost its lease
 * (it stalled past the expiry and another took over) can no longer write: every state change
 * checks the token in the same transaction (fencing).
 */
export interface Lease {
  bindingId: string;
  holder: string;
  token: string;
}

/** Thrown when a worker tries to move a rotation it no longer owns. */
export class LeaseLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LeaseLostError';
  }
}

export type { OwnershipState };

/** An admin's approval of a binding's targets; void once the targets change. */
export interface BindingApproval {
  by: string;
  at: Date;
  targetHash: string;
}

/** A binding as stored, with the engine's knowledge about it. */
export interface StoredBinding {
  binding: CredentialBinding;
  /** Hash of what the binding points at; a change means the credential is a different one. */
  targetHash: string;
  adoptedAt?: Date;
  bornAt?: Date;
  currentKeyFingerprint?: string;
  drift?: DriftProblem[];
  checkedAt?: Date;
  /** Undefined until the first check. */
  ownership?: OwnershipState;
  approval?: BindingApproval;
  /** The Secrets Manager version in AWSCURRENT when last checked or rotated. */
  currentVersionId?: string;
  /** When the scheduled pass checks the binding next; undefined: at the next pass. */
  nextCheckAt?: Date;
  /** When the current key reaches its maximum age. */
  rotationDueAt?: Date;
  createdAt?: Date;
}

/** What one check of a binding found, written at once. */
export interface CheckRecord {
  drift: DriftProblem[];
  ownership: OwnershipState;
  /** AWSCURRENT's version, when the secret could be described. */
  currentVersionId?: string;
  nextCheckAt: Date;
  /** Birth of the recorded key plus the binding's maximum age, as of now. */
  rotationDueAt?: Date;
  /** The binding's first look: the key in AWSCURRENT becomes the recorded one. */
  adoption?: {
    currentKeyFingerprint: string;
    bornAt?: Date;
  };
}

/** Fields of a rotation that a transition may set. */
export interface RotationPatch {
  failedPhase?: RotationPhase | null;
  errorCode?: RotationErrorCode | null;
  error?: string | null;
  oldKeyFingerprint?: string;
  newKeyFingerprint?: string;
  previousVersionId?: string;
  newKeyIssuedAt?: Date;
  associatedAt?: Date;
  promotedAt?: Date;
  finishedAt?: Date;
}

/** What the final transition of a successful rotation (`promoted → completed`) records, atomically. */
export interface CompletionRecord {
  newKeyFingerprint: string;
  bornAt: Date;
  /** The new secret version (the rotation id), now AWSCURRENT. */
  currentVersionId: string;
  rotationDueAt: Date;
  nextCheckAt: Date;
  /** Old key to delete once the grace period is over; absent when there was none. */
  deletion?: { id: string; keyFingerprint: string; dueAt: Date };
}

/** A binding's unfinished rotation and its newest one (the same, while one runs). */
export interface RotationsOfBinding {
  active?: RotationRecord;
  last?: RotationRecord;
}

/** Persistence of bindings, rotations, leases and scheduled deletions. */
export interface RotationStore {
  // ---------------------------------------------------------------- bindings
  /**
   * Inserts or updates bindings (for the catalog sync job). Engine state is kept unless the
   * binding now points at another app or secret, in which case it is adopted afresh.
   */
  upsertBindings(bindings: CredentialBinding[], now: Date): Promise<void>;
  getBinding(id: string): Promise<StoredBinding | undefined>;
  /** The stored bindings among `ids`, by id, in one query. */
  getBindings(ids: string[]): Promise<Map<string, StoredBinding>>;
  listBindings(filter?: { entityRef?: string }): Promise<StoredBinding[]>;
  /**
   * Stores drift findings (an empty list clears them) as of `now`; with `adoption`, records
   * the adoption too, in the same write.
   */
  recordDrift(
    id: string,
    drift: DriftProblem[],
    now: Date,
    adoption?: { currentKeyFingerprint: string; bornAt?: Date },
  ): Promise<void>;

  /** Stores what a check found (drift, ownership, AWSCURRENT's version, the next check). */
  recordCheck(id: string, check: CheckRecord, now: Date): Promise<void>;
  /** Records an admin's approval of the binding's current targets. */
  approveBinding(id: string, approval: BindingApproval): Promise<void>;
  /**
   * Ids of the bindings a scheduled pass should look at, never checked first, then the
   * longest overdue, at most `limit`. A check schedules the next one no later than the
   * rotation is due, so due rotations are found here too.
   */
  listBindingsToCheck(now: Date, limit: number): Promise<string[]>;
  /** Moves a binding's next check (an owner's "check now", a rotation window's start). */
  scheduleCheck(id: string, at: Date): Promise<void>;

  // ------------------------------------------------------------------ leases
  /** Takes the binding's lease if it is free or expired; undefined when someone holds it. */
  tryAcquireLease(
    bindingId: string,
    holder: string,
    now: Date,
  ): Promise<Lease | undefined>;
  /** Extends the lease; false when it was lost. */
  renewLease(lease: Lease, now: Date): Promise<boolean>;
  releaseLease(lease: Lease): Promise<void>;

  // --------------------------------------------------------------- rotations
  /** The unfinished rotation of a binding, if any (at most one exists). */
  getActiveRotation(bindingId: string): Promise<RotationRecord | undefined>;
  /**
   * Records a new rotation in phase `started`, under the lease; undefined (and nothing
   * recorded) when the binding has an unfinished rotation already.
   */
  insertRotation(
    lease: Lease,
    rotation: {
      id: string;
      trigger: RotationTrigger;
      actor?: string;
    },
    now: Date,
  ): Promise<RotationRecord | undefined>;
  /**
   * {@link RotationStore.tryAcquireLease} then {@link RotationStore.insertRotation}, in one
   * transaction. No lease: another worker holds it. A lease but no rotation: the binding has
   * an unfinished rotation, which the caller now holds and resumes.
   */
  startRotation(
    bindingId: string,
    holder: string,
    rotation: {
      id: string;
      trigger: RotationTrigger;
      actor?: string;
    },
    now: Date,
  ): Promise<{ lease?: Lease; rotation?: RotationRecord }>;
  /**
   * Moves a rotation from `from` to `to` if the lease is still held and the rotation is still
   * in `from`; otherwise throws {@link LeaseLostError}. Renews the lease on the way.
   */
  transition(
    lease: Lease,
    rotationId: string,
    from: RotationPhase,
    to: RotationPhase,
    patch: RotationPatch,
    now: Date,
  ): Promise<RotationRecord>;
  /**
   * `promoted → completed`, updating the binding, scheduling the old key's deletion and
   * releasing the lease, all at once: the rotation is over, so nothing is left to fence.
   */
  complete(
    lease: Lease,
    rotationId: string,
    completion: CompletionRecord,
    now: Date,
  ): Promise<RotationRecord>;
  /** Counts a new pick-up of an unfinished rotation (after a crash or lease loss). */
  recordAttempt(
    lease: Lease,
    rotationId: string,
    now: Date,
  ): Promise<RotationRecord>;
  getRotation(id: string): Promise<RotationRecord | undefined>;
  listRotations(bindingId: string, limit: number): Promise<RotationRecord[]>;
  /** Of each binding among `bindingIds`: its unfinished rotation and its newest, in one query. */
  latestRotations(
    bindingIds: string[],
  ): Promise<Map<string, RotationsOfBinding>>;
  /**
   * Start times of the newest rotations with this trigger and actor that started at or after
   * `since`, newest first, at most `limit` (for per-user quotas).
   */
  listRotationStartsBy(
    actor: string,
    trigger: RotationTrigger,
    since: Date,
    limit: number,
  ): Promise<Date[]>;
  /** Unfinished rotations whose binding lease is free or expired: abandoned by their worker. */
  listAbandonedRotations(now: Date): Promise<RotationRecord[]>;

  // --------------------------------------------------------------- deletions
  listDueDeletions(now: Date, limit: number): Promise<KeyDeletionRecord[]>;
  listPendingDeletions(bindingId: string): Promise<KeyDeletionRecord[]>;
  updateDeletion(
    id: string,
    update: {
      status: KeyDeletionRecord['status'];
      attempts?: number;
      lastError?: string | null;
      deletedAt?: Date;
    },
  ): Promise<void>;
}
