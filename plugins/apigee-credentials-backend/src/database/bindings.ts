import { createHash } from 'node:crypto';
import { Knex } from 'knex';
import { CredentialBinding, DriftProblem } from '../engine/types';
import { toDate } from './dates';
import {
  BindingApproval,
  CheckRecord,
  OwnershipState,
  StoredBinding,
} from './RotationStore';

interface BindingRow {
  id: string;
  entity_ref: string;
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

/** What a first look at a credential records: the key in AWSCURRENT and its birth. */
function adoptionColumns(
  adoption: { currentKeyFingerprint: string; bornAt?: Date } | undefined,
  now: Date,
) {
  return adoption
    ? {
        adopted_at: now,
        born_at: adoption.bornAt ?? null,
        current_key_fingerprint: adoption.currentKeyFingerprint,
      }
    : {};
}

/**
 * The `bindings` table: each binding as the catalog sync last wrote it, with what the engine
 * learned about it (adoption, ownership, drift) and its check schedule. These writes need no
 * lease: a rotation's own update of the binding goes with its completion.
 */
export class BindingTable {
  constructor(private readonly db: Knex) {}

  async upsert(bindings: CredentialBinding[], now: Date): Promise<void> {
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

  async get(id: string): Promise<StoredBinding | undefined> {
    const row = await this.db<BindingRow>('bindings').where({ id }).first();
    return row ? toBinding(row) : undefined;
  }

  /** The stored bindings among `ids`, in one query. */
  async getMany(ids: string[]): Promise<Map<string, StoredBinding>> {
    const rows =
      ids.length > 0
        ? await this.db<BindingRow>('bindings').whereIn('id', ids)
        : [];
    return new Map(rows.map(row => [row.id, toBinding(row)]));
  }

  async list(filter?: { entityRef?: string }): Promise<StoredBinding[]> {
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
        ...adoptionColumns(adoption, now),
        drift: drift.length ? JSON.stringify(drift) : null,
        checked_at: now,
        updated_at: now,
      });
  }

  async recordCheck(id: string, check: CheckRecord, now: Date): Promise<void> {
    await this.db('bindings')
      .where({ id })
      .update({
        ...adoptionColumns(check.adoption, now),
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

  async approve(id: string, approval: BindingApproval): Promise<void> {
    await this.db('bindings').where({ id }).update({
      approved_by: approval.by,
      approved_at: approval.at,
      approved_target_hash: approval.targetHash,
      next_check_at: approval.at,
      updated_at: approval.at,
    });
  }

  async listToCheck(now: Date, limit: number): Promise<string[]> {
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
}
