import { Knex } from 'knex';
import { KeyDeletionRecord } from '../engine/types';
import { toDate } from './dates';

interface DeletionRow {
  id: string;
  binding_id: string;
  rotation_id: string;
  key_fingerprint: string;
  due_at: unknown;
  status: string;
  attempts: number | string;
  last_error: string | null;
  deleted_at: unknown;
}

function toDeletion(row: DeletionRow): KeyDeletionRecord {
  return {
    id: row.id,
    bindingId: row.binding_id,
    rotationId: row.rotation_id,
    keyFingerprint: row.key_fingerprint,
    dueAt: toDate(row.due_at)!,
    status: row.status as KeyDeletionRecord['status'],
    attempts: Number(row.attempts),
    lastError: row.last_error ?? undefined,
    deletedAt: toDate(row.deleted_at),
  };
}

/**
 * The `key_deletions` table: one row per old key that a completed rotation left behind, from
 * its scheduling to its deletion. (Its traffic and revocation columns are the
 * {@link KeyRetirementStore}'s.)
 */
export class KeyDeletionTable {
  constructor(private readonly db: Knex) {}

  /**
   * Schedules the old key of a rotation, inside the rotation's completion transaction. At most
   * one row per rotation (`rotation_id` is unique; a second schedule is ignored).
   */
  async schedule(
    trx: Knex.Transaction,
    deletion: { id: string; keyFingerprint: string; dueAt: Date },
    of: { bindingId: string; rotationId: string },
    now: Date,
  ): Promise<void> {
    await trx('key_deletions')
      .insert({
        id: deletion.id,
        binding_id: of.bindingId,
        rotation_id: of.rotationId,
        key_fingerprint: deletion.keyFingerprint,
        due_at: deletion.dueAt,
        status: 'scheduled',
        attempts: 0,
        created_at: now,
      })
      .onConflict('rotation_id')
      .ignore();
  }

  async listDue(now: Date, limit: number): Promise<KeyDeletionRecord[]> {
    const rows = await this.db<DeletionRow>('key_deletions')
      .where({ status: 'scheduled' })
      .andWhere('due_at', '<=', now)
      .orderBy('due_at')
      .limit(limit);
    return rows.map(toDeletion);
  }

  async listPending(bindingId: string): Promise<KeyDeletionRecord[]> {
    const rows = await this.db<DeletionRow>('key_deletions')
      .where({ binding_id: bindingId })
      .whereIn('status', ['scheduled', 'blocked'])
      .orderBy('due_at');
    return rows.map(toDeletion);
  }

  async update(
    id: string,
    update: {
      status: KeyDeletionRecord['status'];
      attempts?: number;
      lastError?: string | null;
      deletedAt?: Date;
    },
  ): Promise<void> {
    const columns: Record<string, unknown> = { status: update.status };
    if (update.attempts !== undefined) columns.attempts = update.attempts;
    if (update.lastError !== undefined) columns.last_error = update.lastError;
    if (update.deletedAt !== undefined) columns.deleted_at = update.deletedAt;
    await this.db('key_deletions').where({ id }).update(columns);
  }
}
