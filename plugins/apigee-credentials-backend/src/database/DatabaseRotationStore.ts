import { Knex } from 'knex';
import {
  CredentialBinding,
  DriftProblem,
  KeyDeletionRecord,
  RotationPhase,
  RotationRecord,
  RotationTrigger,
  TERMINAL_PHASES,
} from '../engine/types';
import { BindingTable } from './bindings';
import { toDate } from './dates';
import { LeaseTable } from './leases';
import { KeyDeletionTable } from './deletions';
import { RotationRow, patchColumns, toRotation } from './rotationRows';
import {
  BindingApproval,
  CheckRecord,
  CompletionRecord,
  Lease,
  LeaseLostError,
  RotationPatch,
  RotationStore,
  RotationsOfBinding,
  StoredBinding,
} from './RotationStore';

/**
 * {@link RotationStore} on the plugin's own database (SQLite or PostgreSQL) through knex.
 * Every write a lease fences is one transaction: the lease row is read `FOR UPDATE` and
 * checked, then the rows change (see {@link LeaseTable}); the same code on both databases.
 */
export class DatabaseRotationStore implements RotationStore {
  readonly #bindings: BindingTable;
  readonly #leases: LeaseTable;
  readonly #deletions: KeyDeletionTable;

  constructor(private readonly db: Knex, leaseDurationMs: number) {
    this.#bindings = new BindingTable(db);
    this.#leases = new LeaseTable(db, leaseDurationMs);
    this.#deletions = new KeyDeletionTable(db);
  }

  // ---------------------------------------------------------------- bindings

  upsertBindings(bindings: CredentialBinding[], now: Date): Promise<void> {
    return this.#bindings.upsert(bindings, now);
  }

  getBinding(id: string): Promise<StoredBinding | undefined> {
    return this.#bindings.get(id);
  }

  getBindings(ids: string[]): Promise<Map<string, StoredBinding>> {
    return this.#bindings.getMany(ids);
  }

  listBindings(filter?: { entityRef?: string }): Promise<StoredBinding[]> {
    return this.#bindings.list(filter);
  }

  recordDrift(
    id: string,
    drift: DriftProblem[],
    now: Date,
    adoption?: { currentKeyFingerprint: string; bornAt?: Date },
  ): Promise<void> {
    return this.#bindings.recordDrift(id, drift, now, adoption);
  }

  recordCheck(id: string, check: CheckRecord, now: Date): Promise<void> {
    return this.#bindings.recordCheck(id, check, now);
  }

  approveBinding(id: string, approval: BindingApproval): Promise<void> {
    return this.#bindings.approve(id, approval);
  }

  listBindingsToCheck(now: Date, limit: number): Promise<string[]> {
    return this.#bindings.listToCheck(now, limit);
  }

  scheduleCheck(id: string, at: Date): Promise<void> {
    return this.#bindings.scheduleCheck(id, at);
  }

  // ------------------------------------------------------------------ leases

  tryAcquireLease(
    bindingId: string,
    holder: string,
    now: Date,
  ): Promise<Lease | undefined> {
    return this.db.transaction(trx =>
      this.#leases.take(trx, bindingId, holder, now),
    );
  }

  renewLease(lease: Lease, now: Date): Promise<boolean> {
    return this.#leases.renew(lease, now);
  }

  releaseLease(lease: Lease): Promise<void> {
    return this.#leases.release(lease);
  }

  // --------------------------------------------------------------- rotations

  async startRotation(
    bindingId: string,
    holder: string,
    rotation: { id: string; trigger: RotationTrigger; actor?: string },
    now: Date,
  ): Promise<{ lease?: Lease; rotation?: RotationRecord }> {
    return this.db.transaction(async trx => {
      const lease = await this.#leases.take(trx, bindingId, holder, now);
      if (!lease) return {};
      return { lease, rotation: await this.#insert(trx, lease, rotation, now) };
    });
  }

  insertRotation(
    lease: Lease,
    rotation: { id: string; trigger: RotationTrigger; actor?: string },
    now: Date,
  ): Promise<RotationRecord | undefined> {
    return this.#fenced(lease, now, trx =>
      this.#insert(trx, lease, rotation, now),
    );
  }

  transition(
    lease: Lease,
    rotationId: string,
    from: RotationPhase,
    to: RotationPhase,
    patch: RotationPatch,
    now: Date,
  ): Promise<RotationRecord> {
    const update: Record<string, unknown> = {
      ...patchColumns(patch),
      phase: to,
      updated_at: now,
    };
    if (TERMINAL_PHASES.has(to)) update.active_binding_id = null;
    return this.#fenced(lease, now, async trx => {
      const [row] = await trx<RotationRow>('rotations')
        .where({ id: rotationId, phase: from })
        .update(update)
        .returning('*');
      if (!row) {
        throw new LeaseLostError(
          `Rotation ${rotationId} is no longer in phase ${from}; another worker moved it`,
        );
      }
      return toRotation(row as RotationRow);
    });
  }

  complete(
    lease: Lease,
    rotationId: string,
    completion: CompletionRecord,
    now: Date,
  ): Promise<RotationRecord> {
    const { deletion } = completion;
    // The lease goes with the completion: the rotation is over, nothing is left to fence.
    return this.#fenced(
      lease,
      now,
      async trx => {
        const [row] = await trx<RotationRow>('rotations')
          .where({ id: rotationId, phase: 'promoted' })
          .update({
            phase: 'completed',
            active_binding_id: null,
            finished_at: now,
            updated_at: now,
          })
          .returning('*');
        if (!row) {
          throw new LeaseLostError(
            `Rotation ${rotationId} is no longer in phase promoted; another worker moved it`,
          );
        }
        await trx('bindings').where({ id: lease.bindingId }).update({
          adopted_at: now,
          born_at: completion.bornAt,
          current_key_fingerprint: completion.newKeyFingerprint,
          current_version_id: completion.currentVersionId,
          rotation_due_at: completion.rotationDueAt,
          next_check_at: completion.nextCheckAt,
          drift: null,
          checked_at: now,
          updated_at: now,
        });
        if (deletion) {
          await this.#deletions.schedule(
            trx,
            deletion,
            { bindingId: lease.bindingId, rotationId },
            now,
          );
        }
        return toRotation(row as RotationRow);
      },
      { release: true },
    );
  }

  recordAttempt(
    lease: Lease,
    rotationId: string,
    now: Date,
  ): Promise<RotationRecord> {
    return this.#fenced(lease, now, async trx => {
      const [row] = await trx<RotationRow>('rotations')
        .where({ id: rotationId })
        .update({ attempts: trx.raw('attempts + 1'), updated_at: now })
        .returning('*');
      return toRotation(row as RotationRow);
    });
  }

  async getActiveRotation(
    bindingId: string,
  ): Promise<RotationRecord | undefined> {
    const row = await this.db<RotationRow>('rotations')
      .where({ active_binding_id: bindingId })
      .first();
    return row ? toRotation(row) : undefined;
  }

  async getRotation(id: string): Promise<RotationRecord | undefined> {
    const row = await this.db<RotationRow>('rotations').where({ id }).first();
    return row ? toRotation(row) : undefined;
  }

  async listRotations(
    bindingId: string,
    limit: number,
  ): Promise<RotationRecord[]> {
    const rows = await this.db<RotationRow>('rotations')
      .where({ binding_id: bindingId })
      .orderBy('started_at', 'desc')
      .limit(limit);
    return rows.map(toRotation);
  }

  async latestRotations(
    bindingIds: string[],
  ): Promise<Map<string, RotationsOfBinding>> {
    const latest = new Map<string, RotationsOfBinding>(
      bindingIds.map(id => [id, {}]),
    );
    if (bindingIds.length === 0) return latest;
    // Each binding's newest rotation and its unfinished one (the same row while one runs).
    const ranked = this.db('rotations')
      .whereIn('binding_id', bindingIds)
      .select('*')
      .rowNumber('newest', q =>
        q.orderBy('started_at', 'desc').partitionBy('binding_id'),
      );
    const rows: RotationRow[] = await this.db
      .from(ranked.as('r'))
      .where('newest', 1)
      .orWhereNotNull('active_binding_id');
    for (const row of rows) {
      const of = latest.get(row.binding_id)!;
      const rotation = toRotation(row);
      if (row.active_binding_id) of.active = rotation;
      if (Number((row as { newest?: unknown }).newest) === 1) {
        of.last = rotation;
      }
    }
    return latest;
  }

  async listRotationStartsBy(
    actor: string,
    trigger: RotationTrigger,
    since: Date,
    limit: number,
  ): Promise<Date[]> {
    const rows = await this.db<RotationRow>('rotations')
      .where({ actor, trigger })
      .andWhere('started_at', '>=', since)
      .orderBy('started_at', 'desc')
      .limit(limit)
      .select('started_at');
    return rows.map(row => toDate(row.started_at)!);
  }

  async listAbandonedRotations(now: Date): Promise<RotationRecord[]> {
    const rows = await this.db<RotationRow>('rotations as r')
      .leftJoin('leases as l', 'l.binding_id', 'r.binding_id')
      .whereNotNull('r.active_binding_id')
      .andWhere(q =>
        q.whereNull('l.binding_id').orWhere('l.expires_at', '<=', now),
      )
      .orderBy('r.started_at')
      .select('r.*');
    return rows.map(toRotation);
  }

  // --------------------------------------------------------------- deletions

  listDueDeletions(now: Date, limit: number): Promise<KeyDeletionRecord[]> {
    return this.#deletions.listDue(now, limit);
  }

  listPendingDeletions(bindingId: string): Promise<KeyDeletionRecord[]> {
    return this.#deletions.listPending(bindingId);
  }

  updateDeletion(
    id: string,
    update: Parameters<KeyDeletionTable['update']>[1],
  ): Promise<void> {
    return this.#deletions.update(id, update);
  }

  /** A new rotation in phase `started`; nothing while the binding has an unfinished one. */
  async #insert(
    trx: Knex.Transaction,
    lease: Lease,
    rotation: { id: string; trigger: RotationTrigger; actor?: string },
    now: Date,
  ): Promise<RotationRecord | undefined> {
    // The unique active_binding_id holds an unfinished rotation's binding: then nothing is
    // inserted, and the lease is the caller's all the same, to resume that rotation.
    const [row] = await trx<RotationRow>('rotations')
      .insert({
        id: rotation.id,
        binding_id: lease.bindingId,
        active_binding_id: lease.bindingId,
        trigger: rotation.trigger,
        actor: rotation.actor ?? null,
        phase: 'started',
        attempts: 1,
        started_at: now,
        updated_at: now,
      })
      .onConflict('active_binding_id')
      .ignore()
      .returning('*');
    return row && toRotation(row as RotationRow);
  }

  /** Runs `write` in a transaction that holds `lease` (see {@link LeaseTable.hold}). */
  #fenced<T>(
    lease: Lease,
    now: Date,
    write: (trx: Knex.Transaction) => Promise<T>,
    options?: { release?: boolean },
  ): Promise<T> {
    return this.db.transaction(async trx => {
      await this.#leases.hold(trx, lease, now, options);
      return write(trx);
    });
  }
}
