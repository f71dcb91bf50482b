import { Knex } from 'knex';
import type { ProvisionResult } from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { toDate } from '../database/dates';
import { ValidProvisionRequest } from './provisionRequest';

/**
 * What a provisioning attempt has done so far. Each `…Started` flag is written before the
 * side effect it names, so that an attempt that died mid-call is undone as if the call had
 * succeeded (every undo step is idempotent). Identifiers only.
 */
export interface ProvisionProgress {
  /** The request being provisioned (identifiers and policy only): what undo works from. */
  request: ValidProvisionRequest;
  /** The app did not exist when the attempt planned its work. */
  appWasMissing?: boolean;
  appCreateStarted?: boolean;
  /** The secret is created by this attempt (not an existing ARN to fill). */
  secretCreateStarted?: boolean;
  /** ARN of the created or filled secret, once known. */
  secretArn?: string;
  /** Version of the new value: also the attempt's id (ClientRequestToken). */
  pendingStarted?: boolean;
  keyImportStarted?: boolean;
  keyFingerprint?: string;
  /** AWSCURRENT moved to the new version: from here on the attempt only goes forward. */
  promoted?: boolean;
}

export type ProvisionState = 'running' | 'completed' | 'failed';

export interface ProvisionRow {
  requestId: string;
  /** Id of the current attempt. */
  id: string;
  requestHash: string;
  actor: string;
  state: ProvisionState;
  progress: ProvisionProgress;
  result?: ProvisionResult;
  error?: string;
  leaseUntil?: Date;
  createdAt: Date;
  updatedAt: Date;
}

interface Row {
  request_id: string;
  id: string;
  request_hash: string;
  actor: string;
  state: string;
  progress: string;
  result: string | null;
  error: string | null;
  lease_until: unknown;
  attempt_started_at?: unknown;
  created_at: unknown;
  updated_at: unknown;
}

function fromRow(row: Row): ProvisionRow {
  return {
    requestId: row.request_id,
    id: row.id,
    requestHash: row.request_hash,
    actor: row.actor,
    state: row.state as ProvisionState,
    progress: JSON.parse(row.progress),
    result: row.result ? JSON.parse(row.result) : undefined,
    error: row.error ?? undefined,
    leaseUntil: toDate(row.lease_until),
    createdAt: toDate(row.created_at)!,
    updatedAt: toDate(row.updated_at)!,
  };
}

/** Thrown when another process owns the attempt now (its lease was taken over). */
export class ProvisionLeaseLostError extends Error {
  constructor(requestId: string) {
    super(`Provision ${requestId} was taken over by another attempt`);
    this.name = 'ProvisionLeaseLostError';
  }
}

/**
 * The `provisions` table: one row per idempotency key. Every write of a running attempt is
 * conditional on its id, so an attempt that lost its lease cannot overwrite its successor.
 */
export class ProvisionStore {
  constructor(private readonly db: Knex) {}

  async get(requestId: string): Promise<ProvisionRow | undefined> {
    const row = await this.db<Row>('provisions')
      .where({ request_id: requestId })
      .first();
    return row ? fromRow(row) : undefined;
  }

  /** Records a new request; false when a row with this key exists already. */
  async insert(row: {
    requestId: string;
    id: string;
    requestHash: string;
    actor: string;
    progress: ProvisionProgress;
    leaseUntil: Date;
    now: Date;
  }): Promise<boolean> {
    try {
      await this.db<Row>('provisions').insert({
        request_id: row.requestId,
        id: row.id,
        request_hash: row.requestHash,
        actor: row.actor,
        state: 'running',
        progress: JSON.stringify(row.progress),
        lease_until: row.leaseUntil as any,
        attempt_started_at: row.now as any,
        created_at: row.now as any,
        updated_at: row.now as any,
      });
      return true;
    } catch (error) {
      if (await this.get(row.requestId)) return false; // lost an insert race
      throw error;
    }
  }

  /**
   * Starts a new attempt for a request whose previous attempt `previousId` failed or was
   * abandoned (and has been undone). False when someone else restarted it first.
   */
  async restart(
    requestId: string,
    previousId: string,
    next: {
      id: string;
      requestHash: string;
      actor: string;
      progress: ProvisionProgress;
      leaseUntil: Date;
      now: Date;
    },
  ): Promise<boolean> {
    const updated = await this.db<Row>('provisions')
      .where({ request_id: requestId, id: previousId })
      .where({ state: 'failed' })
      .update({
        id: next.id,
        request_hash: next.requestHash,
        actor: next.actor,
        state: 'running',
        progress: JSON.stringify(next.progress),
        result: null,
        error: null,
        lease_until: next.leaseUntil as any,
        attempt_started_at: next.now as any,
        updated_at: next.now as any,
      });
    return updated === 1;
  }

  /**
   * Attempts `actor` started since `since` (new requests and restarts), and when the oldest
   * of them started: the per-user quota's count, shared by every replica.
   */
  async attemptsSince(
    actor: string,
    since: Date,
  ): Promise<{ count: number; oldest?: Date }> {
    const [row] = await this.db('provisions')
      .where({ actor })
      .where('attempt_started_at', '>=', since as any)
      .count({ count: '*' })
      .min({ oldest: 'attempt_started_at' });
    return {
      count: Number(row?.count ?? 0),
      oldest: toDate(row?.oldest),
    };
  }

  /** Takes over an abandoned attempt (to undo it); false when its lease is alive or it ended. */
  async takeOver(
    requestId: string,
    id: string,
    leaseUntil: Date,
    now: Date,
  ): Promise<boolean> {
    const updated = await this.db<Row>('provisions')
      .where({ request_id: requestId, id, state: 'running' })
      .where('lease_until', '<', now as any)
      .update({ lease_until: leaseUntil as any, updated_at: now as any });
    return updated === 1;
  }

  /** Stores progress and extends the lease; throws when the attempt is no longer ours. */
  async saveProgress(
    requestId: string,
    id: string,
    progress: ProvisionProgress,
    leaseUntil: Date,
    now: Date,
  ): Promise<void> {
    const updated = await this.db<Row>('provisions')
      .where({ request_id: requestId, id, state: 'running' })
      .update({
        progress: JSON.stringify(progress),
        lease_until: leaseUntil as any,
        updated_at: now as any,
      });
    if (updated !== 1) throw new ProvisionLeaseLostError(requestId);
  }

  async complete(
    requestId: string,
    id: string,
    result: ProvisionResult,
    now: Date,
  ): Promise<void> {
    const updated = await this.db<Row>('provisions')
      .where({ request_id: requestId, id, state: 'running' })
      .update({
        state: 'completed',
        result: JSON.stringify(result),
        lease_until: null,
        updated_at: now as any,
      });
    if (updated !== 1) throw new ProvisionLeaseLostError(requestId);
  }

  /** Marks the attempt failed and undone; `error` is a message without key material. */
  async fail(
    requestId: string,
    id: string,
    error: string,
    now: Date,
  ): Promise<void> {
    await this.db<Row>('provisions')
      .where({ request_id: requestId, id, state: 'running' })
      .update({
        state: 'failed',
        error,
        lease_until: null,
        updated_at: now as any,
      });
  }

  /** Running attempts whose lease ran out: their process died mid-way. */
  async listAbandoned(now: Date, limit = 50): Promise<ProvisionRow[]> {
    const rows = await this.db<Row>('provisions')
      .where({ state: 'running' })
      .where('lease_until', '<', now as any)
      .orderBy('lease_until')
      .limit(limit);
    return rows.map(fromRow);
  }
}
