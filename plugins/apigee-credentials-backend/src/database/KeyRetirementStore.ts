import { Knex } from 'knex';
import {
  KeyDeletionRecord,
  KeyRetirementStatus,
  KeyTrafficRecord,
} from '../engine/types';
import { toDate } from './dates';

/** States in which an old key still needs work from the retirement pass. */
export const ACTIVE_RETIREMENT_STATES: KeyRetirementStatus[] = [
  'scheduled',
  'checking',
  'in-use',
  'waiting',
  'revoked',
];

/** What the retirement pass or an owner's action changes on an old key's record. */
export interface KeyRetirementPatch {
  status?: KeyRetirementStatus;
  attempts?: number;
  lastError?: string | null;
  deletedAt?: Date;
  nextAttemptAt?: Date | null;
  deadlineAt?: Date | null;
  silentSince?: Date | null;
  traffic?: KeyTrafficRecord | null;
  notifiedState?: string | null;
  revokedAt?: Date | null;
  revokedBy?: string | null;
  restorableUntil?: Date | null;
  successorFirstUsedAt?: Date;
}

/** A paused credential: its scheduled rotation waits until an owner resumes it. */
export interface RotationPauseRecord {
  bindingId: string;
  by: string;
  at: Date;
  reason: string;
}

/**
 * Old keys on their way out (traffic checks, revocation, deletion), owners' requests to
 * revoke an old key as soon as its rotation finishes, and paused credentials. The record of
 * an old key is created with the rotation's completion (RotationStore.complete); this store
 * carries it from there.
 */
export class KeyRetirementStore {
  constructor(private readonly db: Knex) {}

  /**
   * Records whose next step is due: grace over, a re-check or a restore window ended, or an
   * owner asked for the key to be revoked when its rotation finished.
   */
  async listDue(now: Date, limit: number): Promise<KeyDeletionRecord[]> {
    const rows = await this.#select()
      .whereIn('d.status', ACTIVE_RETIREMENT_STATES)
      .andWhere(q =>
        q
          .where('d.next_attempt_at', '<=', now)
          .orWhere(q2 =>
            q2.whereNull('d.next_attempt_at').andWhere('d.due_at', '<=', now),
          )
          .orWhere(q2 =>
            q2.whereNotNull('r.rotation_id').andWhereNot('d.status', 'revoked'),
          ),
      )
      .orderBy('d.due_at')
      .limit(limit);
    return rows.map(toRecord);
  }

  /**
   * The old keys of some bindings that still matter to their owners: those not yet deleted,
   * and those deleted since `deletedSince`, newest first.
   */
  async listForBindings(
    bindingIds: string[],
    deletedSince: Date,
  ): Promise<Map<string, KeyDeletionRecord[]>> {
    const byBinding = new Map<string, KeyDeletionRecord[]>(
      bindingIds.map(id => [id, []]),
    );
    if (bindingIds.length === 0) return byBinding;
    const rows = await this.#select()
      .whereIn('d.binding_id', bindingIds)
      .andWhere(q =>
        q
          .whereNot('d.status', 'deleted')
          .orWhere('d.deleted_at', '>=', deletedSince),
      )
      .orderBy('d.due_at', 'desc');
    for (const row of rows) byBinding.get(row.binding_id)?.push(toRecord(row));
    return byBinding;
  }

  async get(
    bindingId: string,
    keyFingerprint: string,
  ): Promise<KeyDeletionRecord | undefined> {
    const row = await this.#select()
      .where({ 'd.binding_id': bindingId, 'd.key_fingerprint': keyFingerprint })
      .orderBy('d.due_at', 'desc')
      .first();
    return row ? toRecord(row) : undefined;
  }

  async update(id: string, patch: KeyRetirementPatch): Promise<void> {
    const columns: Record<string, unknown> = {};
    const set = (column: string, value: unknown) => {
      if (value !== undefined) columns[column] = value;
    };
    set('status', patch.status);
    set('attempts', patch.attempts);
    set('last_error', patch.lastError);
    set('deleted_at', patch.deletedAt);
    set('next_attempt_at', patch.nextAttemptAt);
    set('deadline_at', patch.deadlineAt);
    set('silent_since', patch.silentSince);
    set(
      'traffic',
      patch.traffic === undefined
        ? undefined
        : patch.traffic && JSON.stringify(patch.traffic),
    );
    set('notified_state', patch.notifiedState);
    set('revoked_at', patch.revokedAt);
    set('revoked_by', patch.revokedBy);
    set('restorable_until', patch.restorableUntil);
    set('successor_first_used_at', patch.successorFirstUsedAt);
    if (Object.keys(columns).length === 0) return;
    await this.db('key_deletions').where({ id }).update(columns);
  }

  /** Asks for the old key of a rotation to be revoked as soon as the rotation finishes. */
  async requestRevocation(
    rotationId: string,
    requestedBy: string,
    now: Date,
  ): Promise<void> {
    await this.db('old_key_revocation_requests')
      .insert({
        rotation_id: rotationId,
        requested_by: requestedBy,
        requested_at: now,
      })
      .onConflict('rotation_id')
      .ignore();
  }

  /** Who asked for the old key of a rotation to be revoked at once, if anyone did. */
  async revocationRequester(rotationId: string): Promise<string | undefined> {
    const row = await this.db('old_key_revocation_requests')
      .where({ rotation_id: rotationId })
      .first('requested_by');
    return row?.requested_by ?? undefined;
  }

  /** Forgets a revocation request (an owner restored the key it revoked). */
  async clearRevocationRequest(rotationId: string): Promise<void> {
    await this.db('old_key_revocation_requests')
      .where({ rotation_id: rotationId })
      .delete();
  }

  async pause(record: RotationPauseRecord): Promise<void> {
    await this.db('rotation_pauses')
      .insert({
        binding_id: record.bindingId,
        paused_by: record.by,
        paused_at: record.at,
        reason: record.reason,
      })
      .onConflict('binding_id')
      .merge();
  }

  /** Resumes scheduled rotation; whether the credential was paused. */
  async resume(bindingId: string): Promise<boolean> {
    return (
      (await this.db('rotation_pauses')
        .where({ binding_id: bindingId })
        .delete()) > 0
    );
  }

  async pausesOf(
    bindingIds: string[],
  ): Promise<Map<string, RotationPauseRecord>> {
    const pauses = new Map<string, RotationPauseRecord>();
    if (bindingIds.length === 0) return pauses;
    const rows = await this.db('rotation_pauses').whereIn(
      'binding_id',
      bindingIds,
    );
    for (const row of rows) {
      pauses.set(row.binding_id, {
        bindingId: row.binding_id,
        by: row.paused_by,
        at: toDate(row.paused_at)!,
        reason: row.reason,
      });
    }
    return pauses;
  }

  #select() {
    return this.db('key_deletions as d')
      .leftJoin(
        'old_key_revocation_requests as r',
        'r.rotation_id',
        'd.rotation_id',
      )
      .select('d.*', 'r.rotation_id as revocation_rotation_id');
  }
}

function toRecord(row: Record<string, any>): KeyDeletionRecord {
  return {
    id: row.id,
    bindingId: row.binding_id,
    rotationId: row.rotation_id,
    keyFingerprint: row.key_fingerprint,
    dueAt: toDate(row.due_at)!,
    status: row.status as KeyRetirementStatus,
    attempts: Number(row.attempts),
    lastError: row.last_error ?? undefined,
    deletedAt: toDate(row.deleted_at),
    nextAttemptAt: toDate(row.next_attempt_at),
    deadlineAt: toDate(row.deadline_at),
    silentSince: toDate(row.silent_since),
    traffic: row.traffic ? parseTraffic(row.traffic) : undefined,
    notifiedState: row.notified_state ?? undefined,
    revokedAt: toDate(row.revoked_at),
    revokedBy: row.revoked_by ?? undefined,
    restorableUntil: toDate(row.restorable_until),
    successorFirstUsedAt: toDate(row.successor_first_used_at),
    revocationRequested: Boolean(row.revocation_rotation_id),
  };
}

function parseTraffic(text: string): KeyTrafficRecord {
  const raw = JSON.parse(text);
  return {
    calls: raw.calls,
    lastCallAt: raw.lastCallAt ? new Date(raw.lastCallAt) : undefined,
    windowStart: new Date(raw.windowStart),
    checkedAt: new Date(raw.checkedAt),
    sources: raw.sources ?? [],
  };
}
