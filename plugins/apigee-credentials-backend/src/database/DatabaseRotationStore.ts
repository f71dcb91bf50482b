import { createHash, randomUUID } from 'node:crypto';
import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import {
  CredentialBinding,
  DriftProblem,
  KeyDeletionRecord,
  RotationErrorCode,
  RotationPhase,
  RotationRecord,
  RotationTrigger,
  TERMINAL_PHASES,
} from '../engine/types';
import {
  BindingApproval,
  CheckRecord,
  CompletionRecord,
  Lease,
  LeaseLostError,
  RotationPatch,
  OwnershipState,
  RotationStore,
  StoredBinding,
} from './RotationStore';

const migrationsDir = resolvePackagePath(import.meta.url, 'migrations');

/** Applies the plugin's migrations unless `backend.database` says to skip them. */
export async function applyMigrations(
  database: DatabaseService,
): Promise<Knex> {
  const client = await database.getClient();
  if (!database.migrations?.skip) {
    await client.migrate.latest({ directory: migrationsDir });
  }
  return client;
}

interface BindingRow {
  id: string;
  entity_ref: string;
  environment: string;
  provider: string;
  target_hash: string;
  spec: string;
  adopted_at: unknown;
  born_at: unknown;
  current_key_fingerprint: string | null;
  drift: string | null;
  checked_at: unknown;
  created_at: unknown;
  owner_ref: string | null;
  ownership: string | null;
  ownership_reason: string | null;
  approved_by: string | null;
  approved_at: unknown;
  approved_target_hash: string | null;
  current_version_id: string | null;
  next_check_at: unknown;
  rotation_due_at: unknown;
}

interface RotationRow {
  id: string;
  binding_id: string;
  active_binding_id: string | null;
  trigger: string;
  actor: string | null;
  phase: string;
  failed_phase: string | null;
  error_code: string | null;
  error: string | null;
  old_key_fingerprint: string | null;
  new_key_fingerprint: string | null;
  previous_version_id: string | null;
  new_key_issued_at: unknown;
  attempts: number | string;
  started_at: unknown;
  updated_at: unknown;
  associated_at: unknown;
  promoted_at: unknown;
  finished_at: unknown;
}

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

/** SQLite returns timestamps as epoch milliseconds, PostgreSQL as Date objects. */
export function toDate(value: unknown): Date | undefined {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value);
  if (typeof value === 'string') {
    const asNumber = Number(value);
    return new Date(Number.isFinite(asNumber) ? asNumber : value);
  }
  return undefined;
}

/** What makes a binding "the same credential": a change of any of these resets adoption. */
export function bindingTargetHash(binding: CredentialBinding): string {
  const target = {
    provider: binding.provider,
    developer: binding.developer.toLowerCase(),
    app: binding.app,
    secret: binding.secret,
    fields: binding.fields ?? null,
  };
  return createHash('sha256').update(JSON.stringify(target)).digest('hex');
}

function toRotation(row: RotationRow): RotationRecord {
  return {
    id: row.id,
    bindingId: row.binding_id,
    trigger: row.trigger as RotationTrigger,
    actor: row.actor ?? undefined,
    phase: row.phase as RotationPhase,
    failedPhase: (row.failed_phase as RotationPhase | null) ?? undefined,
    errorCode: (row.error_code as RotationErrorCode | null) ?? undefined,
    error: row.error ?? undefined,
    oldKeyFingerprint: row.old_key_fingerprint ?? undefined,
    newKeyFingerprint: row.new_key_fingerprint ?? undefined,
    previousVersionId: row.previous_version_id ?? undefined,
    newKeyIssuedAt: toDate(row.new_key_issued_at),
    attempts: Number(row.attempts),
    startedAt: toDate(row.started_at)!,
    updatedAt: toDate(row.updated_at)!,
    associatedAt: toDate(row.associated_at),
    promotedAt: toDate(row.promoted_at),
    finishedAt: toDate(row.finished_at),
  };
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

function toBinding(row: BindingRow): StoredBinding {
  return {
    binding: JSON.parse(row.spec) as CredentialBinding,
    targetHash: row.target_hash,
    adoptedAt: toDate(row.adopted_at),
    bornAt: toDate(row.born_at),
    currentKeyFingerprint: row.current_key_fingerprint ?? undefined,
    drift: row.drift ? (JSON.parse(row.drift) as DriftProblem[]) : undefined,
    checkedAt: toDate(row.checked_at),
    createdAt: toDate(row.created_at),
    ownership: row.ownership
      ? {
          state: row.ownership as OwnershipState['state'],
          reason: row.ownership_reason ?? undefined,
        }
      : undefined,
    approval:
      row.approved_by && row.approved_target_hash
        ? {
            by: row.approved_by,
            at: toDate(row.approved_at)!,
            targetHash: row.approved_target_hash,
          }
        : undefined,
    currentVersionId: row.current_version_id ?? undefined,
    nextCheckAt: toDate(row.next_check_at),
    rotationDueAt: toDate(row.rotation_due_at),
  };
}

/** Column values of a {@link RotationPatch}; undefined fields are left alone. */
function patchColumns(patch: RotationPatch): Record<string, unknown> {
  const columns: Record<string, unknown> = {
    failed_phase: patch.failedPhase,
    error_code: patch.errorCode,
    error: patch.error,
    old_key_fingerprint: patch.oldKeyFingerprint,
    new_key_fingerprint: patch.newKeyFingerprint,
    previous_version_id: patch.previousVersionId,
    new_key_issued_at: patch.newKeyIssuedAt,
    associated_at: patch.associatedAt,
    promoted_at: patch.promotedAt,
    finished_at: patch.finishedAt,
  };
  return Object.fromEntries(
    Object.entries(columns).filter(([, value]) => value !== undefined),
  );
}

/** The row of a rotation just begun. */
function newRotationRow(
  bindingId: string,
  rotation: { id: string; trigger: RotationTrigger; actor?: string },
  now: Date,
) {
  return {
    id: rotation.id,
    binding_id: bindingId,
    active_binding_id: bindingId,
    trigger: rotation.trigger,
    actor: rotation.actor ?? null,
    phase: 'started',
    attempts: 1,
    started_at: now,
    updated_at: now,
  };
}

/** {@link RotationStore} on the plugin's own database (SQLite or PostgreSQL) through knex. */
export class DatabaseRotationStore implements RotationStore {
  static async create(options: {
    database: DatabaseService;
    leaseDurationMs: number;
  }): Promise<DatabaseRotationStore> {
    const client = await applyMigrations(options.database);
    return new DatabaseRotationStore(client, options.leaseDurationMs);
  }

  constructor(
    private readonly db: Knex,
    private readonly leaseDurationMs: number,
  ) {}

  // ---------------------------------------------------------------- bindings

  async upsertBindings(
    bindings: CredentialBinding[],
    now: Date,
  ): Promise<void> {
    // Most bindings are unchanged at every sync: read them in bulk and write only what changed.
    for (let i = 0; i < bindings.length; i += 500) {
      const chunk = bindings.slice(i, i + 500);
      const existing = new Map(
        (
          await this.db<BindingRow>('bindings')
            .whereIn(
              'id',
              chunk.map(b => b.id),
            )
            .select('id', 'target_hash', 'spec', 'owner_ref')
        ).map(row => [row.id, row]),
      );
      for (const binding of chunk) {
        const targetHash = bindingTargetHash(binding);
        const row = {
          entity_ref: binding.entityRef,
          environment: binding.environment,
          provider: binding.provider,
          owner_ref: binding.ownerRef ?? null,
          target_hash: targetHash,
          spec: JSON.stringify(binding),
          updated_at: now,
        };
        const known = existing.get(binding.id);
        if (!known) {
          await this.db('bindings')
            .insert({ id: binding.id, ...row, created_at: now })
            .onConflict('id')
            .merge(Object.keys(row));
        } else if (known.target_hash === targetHash) {
          if (known.spec === row.spec && known.owner_ref === row.owner_ref)
            continue;
          // Same target, other settings (max age, probe...): checked at the next pass.
          await this.db('bindings')
            .where({ id: binding.id })
            .update({ ...row, next_check_at: null });
        } else {
          // Another app or secret: what was learned about the old one no longer applies.
          await this.db('bindings')
            .where({ id: binding.id, target_hash: known.target_hash })
            .update({
              ...row,
              adopted_at: null,
              born_at: null,
              current_key_fingerprint: null,
              drift: null,
              checked_at: null,
              ownership: null,
              ownership_reason: null,
              current_version_id: null,
              rotation_due_at: null,
              next_check_at: null,
            });
        }
      }
    }
  }

  async getBinding(id: string): Promise<StoredBinding | undefined> {
    const row = await this.db<BindingRow>('bindings').where({ id }).first();
    return row ? toBinding(row) : undefined;
  }

  async listBindings(filter?: {
    entityRef?: string;
  }): Promise<StoredBinding[]> {
    const query = this.db<BindingRow>('bindings').orderBy('id');
    if (filter?.entityRef) query.where({ entity_ref: filter.entityRef });
    return (await query).map(toBinding);
  }

  async recordDrift(
    id: string,
    drift: DriftProblem[],
    now: Date,
    adoption?: { currentKeyFingerprint: string; bornAt?: Date },
  ): Promise<void> {
    await this.db('bindings')
      .where({ id })
      .update({
        ...(adoption && {
          adopted_at: now,
          born_at: adoption.bornAt ?? null,
          current_key_fingerprint: adoption.currentKeyFingerprint,
        }),
        drift: drift.length ? JSON.stringify(drift) : null,
        checked_at: now,
        updated_at: now,
      });
  }

  async recordCheck(id: string, check: CheckRecord, now: Date): Promise<void> {
    await this.db('bindings')
      .where({ id })
      .update({
        ...(check.adoption && {
          adopted_at: now,
          born_at: check.adoption.bornAt ?? null,
          current_key_fingerprint: check.adoption.currentKeyFingerprint,
        }),
        ...(check.rotationDueAt && { rotation_due_at: check.rotationDueAt }),
        ...(check.currentVersionId && {
          current_version_id: check.currentVersionId,
        }),
        drift: check.drift.length ? JSON.stringify(check.drift) : null,
        ownership: check.ownership.state,
        ownership_reason: check.ownership.reason ?? null,
        next_check_at: check.nextCheckAt,
        checked_at: now,
        updated_at: now,
      });
  }

  async approveBinding(id: string, approval: BindingApproval): Promise<void> {
    await this.db('bindings').where({ id }).update({
      approved_by: approval.by,
      approved_at: approval.at,
      approved_target_hash: approval.targetHash,
      next_check_at: approval.at,
      updated_at: approval.at,
    });
  }

  async listBindingsToCheck(now: Date, limit: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.db('bindings')
      .select('id')
      .whereNull('next_check_at')
      .orWhere('next_check_at', '<=', now)
      // Never checked first, then the longest overdue.
      .orderByRaw('next_check_at is not null, next_check_at, id')
      .limit(limit);
    return rows.map(r => r.id);
  }

  async scheduleCheck(id: string, at: Date): Promise<void> {
    await this.db('bindings').where({ id }).update({ next_check_at: at });
  }

  // ------------------------------------------------------------------ leases

  async tryAcquireLease(
    bindingId: string,
    holder: string,
    now: Date,
  ): Promise<Lease | undefined> {
    const token = randomUUID();
    const rows: Array<{ token: string }> = await this.#leaseTaking(
      bindingId,
      holder,
      token,
      now,
    );
    return rows[0]?.token === token ? { bindingId, holder, token } : undefined;
  }

  /**
   * One atomic statement: insert the lease if there is none, or take it over if it has
   * expired (re-checked on the locked row); a row (the token) comes back only if we got it.
   */
  #leaseTaking(
    bindingId: string,
    holder: string,
    token: string,
    now: Date,
  ): Knex.QueryBuilder {
    const expiresAt = new Date(now.getTime() + this.leaseDurationMs);
    const values = { holder, token, acquired_at: now, expires_at: expiresAt };
    return this.db('leases')
      .insert({ binding_id: bindingId, ...values })
      .onConflict('binding_id')
      .merge(Object.keys(values))
      .where('leases.expires_at', '<=', now)
      .returning('token');
  }

  async renewLease(lease: Lease, now: Date): Promise<boolean> {
    const updated = await this.db('leases')
      .where({ binding_id: lease.bindingId, token: lease.token })
      .update({ expires_at: new Date(now.getTime() + this.leaseDurationMs) });
    return updated === 1;
  }

  async releaseLease(lease: Lease): Promise<void> {
    await this.db('leases')
      .where({ binding_id: lease.bindingId, token: lease.token })
      .delete();
  }

  // --------------------------------------------------------------- rotations

  async getActiveRotation(
    bindingId: string,
  ): Promise<RotationRecord | undefined> {
    const row = await this.db<RotationRow>('rotations')
      .where({ active_binding_id: bindingId })
      .first();
    return row ? toRotation(row) : undefined;
  }

  async startRotation(
    bindingId: string,
    holder: string,
    rotation: { id: string; trigger: RotationTrigger; actor?: string },
    now: Date,
  ): Promise<{ lease?: Lease; rotation?: RotationRecord }> {
    if (!this.#postgres) {
      const lease = await this.tryAcquireLease(bindingId, holder, now);
      if (!lease) return {};
      try {
        return {
          lease,
          rotation: await this.insertRotation(lease, rotation, now),
        };
      } catch (error) {
        await this.releaseLease(lease);
        throw error;
      }
    }
    // The rotation is inserted once per row the lease taking returns: once if we got the
    // lease, else not at all. The insert does nothing when an unfinished rotation holds the
    // unique active_binding_id; the lease is ours all the same.
    const token = randomUUID();
    const rows: Array<RotationRow & { lease_token: string }> = await this.db
      .with('lease', this.#leaseTaking(bindingId, holder, token, now))
      .with(
        'started',
        this.#insertFrom(
          'rotations',
          newRotationRow(bindingId, rotation, now),
          'lease',
        )
          .onConflict('active_binding_id')
          .ignore()
          .returning('*'),
      )
      .select('lease.token as lease_token', 'started.*')
      .from('lease')
      .joinRaw('left join started on true');
    if (rows[0]?.lease_token !== token) return {};
    return {
      lease: { bindingId, holder, token },
      rotation: rows[0].id ? toRotation(rows[0]) : undefined,
    };
  }

  async insertRotation(
    lease: Lease,
    rotation: { id: string; trigger: RotationTrigger; actor?: string },
    now: Date,
  ): Promise<RotationRecord | undefined> {
    const row = newRotationRow(lease.bindingId, rotation, now);
    // An unfinished rotation of the binding holds the unique active_binding_id: then the
    // insert does nothing, and no row comes back.
    if (this.#postgres) {
      const rows: RotationRow[] = await this.#insertFrom(
        'rotations',
        row,
        'fence',
      )
        .onConflict('active_binding_id')
        .ignore()
        .with('fence', this.#renewal(lease, now))
        .returning('*');
      if (rows.length === 0) await this.#assertLeaseHeld(lease);
      return rows[0] && toRotation(rows[0]);
    }
    return this.db.transaction(async trx => {
      await this.#renewWithin(trx, lease, now);
      const rows: RotationRow[] = await trx('rotations')
        .insert(row, '*')
        .onConflict('active_binding_id')
        .ignore();
      return rows[0] && toRotation(rows[0]);
    });
  }

  async transition(
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
    const rows = await this.#fencedUpdate(lease, now, db =>
      db('rotations')
        .where({ id: rotationId, phase: from })
        .update(update)
        .returning('*'),
    );
    if (rows.length !== 1) {
      throw new LeaseLostError(
        `Rotation ${rotationId} is no longer in phase ${from}; another worker moved it`,
      );
    }
    return toRotation(rows[0]);
  }

  async complete(
    lease: Lease,
    rotationId: string,
    completion: CompletionRecord,
    now: Date,
  ): Promise<RotationRecord> {
    const done = {
      ...patchColumns(completion.patch ?? {}),
      phase: 'completed',
      active_binding_id: null,
      finished_at: now,
      updated_at: now,
    };
    const adopted = {
      adopted_at: now,
      born_at: completion.bornAt,
      current_key_fingerprint: completion.newKeyFingerprint,
      current_version_id: completion.currentVersionId,
      rotation_due_at: completion.rotationDueAt,
      next_check_at: completion.nextCheckAt,
      drift: null,
      checked_at: now,
      updated_at: now,
    };
    const deletion = completion.deletion && {
      id: completion.deletion.id,
      binding_id: lease.bindingId,
      rotation_id: rotationId,
      key_fingerprint: completion.deletion.keyFingerprint,
      due_at: completion.deletion.dueAt,
      status: 'scheduled',
      attempts: 0,
      created_at: now,
    };
    const notPromoted = () =>
      new LeaseLostError(
        `Rotation ${rotationId} could not be completed from phase ${completion.from}: the lease on binding ${lease.bindingId} was lost, or another worker moved the rotation`,
      );

    if (this.#postgres) {
      // One statement: each write happens only if the one before it did (see #fencedUpdate).
      // The fence deletes the lease instead of renewing it: with the lease held, nobody else
      // can have moved the rotation, so a completion that does not happen means the lease
      // was lost, and then there was nothing to delete.
      let query = this.db
        .with('fence', this.#release(lease))
        .with(
          'done',
          this.db('rotations')
            .where({ id: rotationId, phase: completion.from })
            .whereExists(this.db.select(1).from('fence'))
            .update(done)
            .returning('*'),
        )
        .with(
          'adopted',
          this.db('bindings')
            .where({ id: lease.bindingId })
            .whereExists(this.db.select(1).from('done'))
            .update(adopted),
        );
      if (deletion) {
        query = query.with(
          'scheduled',
          this.#insertFrom('key_deletions', deletion, 'done')
            .onConflict('rotation_id')
            .ignore(),
        );
      }
      const rows: RotationRow[] = await query.select('*').from('done');
      if (rows.length !== 1) throw notPromoted();
      return toRotation(rows[0]);
    }

    return this.db.transaction(async trx => {
      const released = await trx('leases')
        .where({ binding_id: lease.bindingId, token: lease.token })
        .delete();
      if (released !== 1) {
        throw new LeaseLostError(
          `The lease on binding ${lease.bindingId} was lost (expired and taken over)`,
        );
      }
      const rows: RotationRow[] = await trx('rotations')
        .where({ id: rotationId, phase: completion.from })
        .update(done, '*');
      if (rows.length !== 1) throw notPromoted();
      await trx('bindings').where({ id: lease.bindingId }).update(adopted);
      if (deletion) {
        await trx('key_deletions')
          .insert(deletion)
          .onConflict('rotation_id')
          .ignore();
      }
      return toRotation(rows[0]);
    });
  }

  async recordAttempt(
    lease: Lease,
    rotationId: string,
    now: Date,
  ): Promise<RotationRecord> {
    return this.db.transaction(async trx => {
      await this.#renewWithin(trx, lease, now);
      const rows: RotationRow[] = await trx('rotations')
        .where({ id: rotationId })
        .update({ attempts: trx.raw('attempts + 1'), updated_at: now }, '*');
      return toRotation(rows[0]);
    });
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

  async listDueDeletions(
    now: Date,
    limit: number,
  ): Promise<KeyDeletionRecord[]> {
    const rows = await this.db<DeletionRow>('key_deletions')
      .where({ status: 'scheduled' })
      .andWhere('due_at', '<=', now)
      .orderBy('due_at')
      .limit(limit);
    return rows.map(toDeletion);
  }

  async listPendingDeletions(bindingId: string): Promise<KeyDeletionRecord[]> {
    const rows = await this.db<DeletionRow>('key_deletions')
      .where({ binding_id: bindingId })
      .whereIn('status', ['scheduled', 'blocked'])
      .orderBy('due_at');
    return rows.map(toDeletion);
  }

  async updateDeletion(
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

  /** Whether the database is PostgreSQL, which gets single-statement fenced writes. */
  get #postgres(): boolean {
    return this.db.client.dialect === 'postgresql';
  }

  /**
   * PostgreSQL: the lease renewal as a `WITH` query returning the binding id, and nothing
   * when the lease is no longer ours. The statement it is part of reads it to go ahead only
   * if the lease is held; the renewal locks the lease row, so a takeover waits for the
   * statement to finish (and then finds the lease renewed).
   */
  #renewal(lease: Lease, now: Date): Knex.QueryBuilder {
    return this.db('leases')
      .where({ binding_id: lease.bindingId, token: lease.token })
      .update({ expires_at: new Date(now.getTime() + this.leaseDurationMs) })
      .returning('binding_id');
  }

  /** PostgreSQL: the lease's deletion as a `WITH` query, like {@link #renewal}. */
  #release(lease: Lease): Knex.QueryBuilder {
    return this.db('leases')
      .where({ binding_id: lease.bindingId, token: lease.token })
      .delete()
      .returning('binding_id');
  }

  /**
   * PostgreSQL: `INSERT INTO table (…) SELECT <row's values> FROM source`, which inserts the
   * row once per row of `source` (a `WITH` query): once, or not at all. Values are typed
   * explicitly, since a parameter in a SELECT list would otherwise be text.
   */
  #insertFrom(
    table: string,
    row: Record<string, unknown>,
    source: string,
  ): Knex.QueryBuilder {
    const columns = Object.keys(row);
    const value = (v: unknown) => {
      if (v instanceof Date) return this.db.raw('?::timestamptz', [v]);
      if (typeof v === 'number') return this.db.raw('?::integer', [v]);
      return this.db.raw('?', [v as string | null]);
    };
    return this.db
      .into(
        this.db.raw(`?? (${columns.map(() => '??').join(', ')})`, [
          table,
          ...columns,
        ]),
      )
      .insert(this.db.select(...Object.values(row).map(value)).from(source));
  }

  /**
   * Runs `write` (an update returning the rows it changed) only while `lease` is held,
   * renewing the lease on the way: the fencing check. A lost lease throws LeaseLostError.
   * On PostgreSQL both go in one statement, one round trip instead of five (begin, renew,
   * write, commit and a read back); elsewhere (SQLite, in-process) in one transaction.
   */
  async #fencedUpdate(
    lease: Lease,
    now: Date,
    write: (db: Knex) => Knex.QueryBuilder,
  ): Promise<RotationRow[]> {
    if (this.#postgres) {
      const rows: RotationRow[] = await write(this.db)
        .with('fence', this.#renewal(lease, now))
        .whereExists(this.db.select(1).from('fence'));
      if (rows.length === 0) await this.#assertLeaseHeld(lease);
      return rows;
    }
    return this.db.transaction(async trx => {
      await this.#renewWithin(trx, lease, now);
      return (await write(trx)) as RotationRow[];
    });
  }

  /** Throws LeaseLostError unless `lease` is the binding's current lease. */
  async #assertLeaseHeld(lease: Lease): Promise<void> {
    const row = await this.db('leases')
      .where({ binding_id: lease.bindingId, token: lease.token })
      .first();
    if (!row) {
      throw new LeaseLostError(
        `The lease on binding ${lease.bindingId} was lost (expired and taken over)`,
      );
    }
  }

  /** Renews the lease inside a transaction, or fails it: the fencing check. */
  async #renewWithin(
    trx: Knex.Transaction,
    lease: Lease,
    now: Date,
  ): Promise<void> {
    const renewed = await trx('leases')
      .where({ binding_id: lease.bindingId, token: lease.token })
      .update({ expires_at: new Date(now.getTime() + this.leaseDurationMs) });
    if (renewed !== 1) {
      throw new LeaseLostError(
        `The lease on binding ${lease.bindingId} was lost (expired and taken over)`,
      );
    }
  }
}
