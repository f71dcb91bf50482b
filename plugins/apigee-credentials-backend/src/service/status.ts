import { DateTime } from 'luxon';
import {
  CredentialStatus as ApiCredentialStatus,
  CredentialSummary,
  KeyTrafficSummary,
  OldKeyState,
  OldKeySummary,
  RotationStatus,
  RotationSummary,
  RotationWindow,
} from '@keyrotation/backstage-plugin-apigee-credentials-common';
import {
  CredentialBinding,
  CredentialStatus,
  KeyDeletionRecord,
  KeyTrafficRecord,
  RotationRecord,
} from '../engine/types';
import { CatalogBindingRow } from '../database/CatalogBindingStore';
import { CredentialsReadModel } from './CredentialsReadModel';

const DAY_MS = 24 * 3600 * 1000;

/** Maps an engine rotation record to the API's rotation summary (fingerprints only). */
export function toRotationSummary(record: RotationRecord): RotationSummary {
  let status: RotationStatus;
  if (record.phase === 'completed') status = 'succeeded';
  else if (record.phase === 'failed') {
    // A failure before promotion is rolled back; AWSCURRENT was never touched.
    status = record.failedPhase ? 'rolled-back' : 'failed';
  } else status = 'running';
  return {
    id: record.id,
    bindingId: record.bindingId,
    status,
    phase: record.phase,
    trigger: record.trigger,
    actor: record.actor,
    error: record.error,
    startedAt: record.startedAt.toISOString(),
    finishedAt: record.finishedAt?.toISOString(),
    oldKeyFingerprint: record.oldKeyFingerprint,
    newKeyFingerprint: record.newKeyFingerprint,
  };
}

/**
 * The first moment at or after `from` that lies inside the window (or `from` itself when
 * there is no window).
 */
export function nextWindowStart(from: Date, window?: RotationWindow): Date {
  if (!window) return from;
  const start = DateTime.fromJSDate(from).setZone(window.timeZone);
  const [startHour, startMinute] = window.start.split(':').map(Number);
  for (let dayOffset = 0; dayOffset <= 7; dayOffset++) {
    const day = start.plus({ days: dayOffset });
    if (!window.days.includes(day.weekday)) continue;
    const opens = day.set({
      hour: startHour,
      minute: startMinute,
      second: 0,
      millisecond: 0,
    });
    const [endHour, endMinute] = window.end.split(':').map(Number);
    const closes = day.set({
      hour: endHour,
      minute: endMinute,
      second: 0,
      millisecond: 0,
    });
    if (start > closes) continue;
    return (start > opens ? start : opens).toJSDate();
  }
  return from;
}

/** Whether `at` lies inside the rotation window (always, without a window). */
export function isInsideWindow(at: Date, window?: RotationWindow): boolean {
  return nextWindowStart(at, window).getTime() === at.getTime();
}

export interface StatusSettings {
  /** Default maximum age, when the binding has none. */
  maxAgeMs: number;
  /** How long before its maximum age a credential counts as due soon. */
  dueSoonMs: number;
}

function secretLabel(binding: CredentialBinding): string {
  return 'arn' in binding.secret ? binding.secret.arn : binding.secret.name;
}

const DRIFT_ADVICE =
  'The key in AWS Secrets Manager is not usable in Apigee. Check the app and key in Apigee; once the secret holds a working key, rotate to return to a managed credential.';

/**
 * Computes what the API reports for one binding, from stored state only: no call to the
 * catalog, AWS or Apigee.
 */
export function summarise(
  row: CatalogBindingRow,
  state: CredentialStatus | undefined,
  settings: StatusSettings,
  now: Date,
): CredentialSummary {
  const base: CredentialSummary = {
    id: row.environment,
    entityRef: row.entityRef,
    environment: row.environment,
    status: 'misconfigured',
    pendingDeletions: [],
    oldKeys: [],
    retireOldKeys: 'traffic',
  };
  if (row.error || !state) {
    // Reasons come without a final full stop; add one so the advice reads as a new sentence.
    const reason = (
      row.error ?? 'The binding has not been synced yet.'
    ).trimEnd();
    return {
      ...base,
      statusReason: `${
        reason.endsWith('.') ? reason : `${reason}.`
      } Fix the annotation on the entity; the next sync picks it up.`,
    };
  }
  const { binding } = state;
  if (state.ownership?.state === 'unverified') {
    // Nothing about the key is shown for targets not proven to be the entity's.
    return {
      ...base,
      provider: binding.provider,
      app: binding.app,
      secret: secretLabel(binding),
      status: 'unverified',
      statusReason: state.ownership.reason,
      checkedAt: state.checkedAt?.toISOString(),
    };
  }
  const maxAgeMs =
    typeof binding.maxAge === 'number' ? binding.maxAge : settings.maxAgeMs;
  const summary: CredentialSummary = {
    ...base,
    provider: binding.provider,
    app: binding.app,
    secret: secretLabel(binding),
    keyFingerprint: state.currentKeyFingerprint,
    maxAgeDays: Math.round(maxAgeMs / DAY_MS),
    lastRotation: state.lastRotation
      ? toRotationSummary(state.lastRotation)
      : undefined,
    pendingDeletions: state.pendingDeletions
      .filter(d => d.status === 'scheduled' || d.status === 'blocked')
      .map(d => ({
        keyFingerprint: d.keyFingerprint,
        dueAt: d.dueAt.toISOString(),
      })),
    oldKeys: state.oldKeys.map(k => toOldKeySummary(k, now)),
    retireOldKeys: state.retireOldKeys,
    currentKeyFirstUsedAt: state.oldKeys
      .find(k => k.status !== 'deleted')
      ?.successorFirstUsedAt?.toISOString(),
    paused: state.paused && {
      by: state.paused.by,
      at: state.paused.at.toISOString(),
      reason: state.paused.reason,
    },
    checkedAt: state.checkedAt?.toISOString(),
    approval: state.approval && {
      by: state.approval.by,
      at: state.approval.at.toISOString(),
    },
  };
  if (state.bornAt) {
    const ageMs = Math.max(0, now.getTime() - state.bornAt.getTime());
    summary.createdAt = state.bornAt.toISOString();
    summary.ageDays = Math.floor(ageMs / DAY_MS);
    const dueAt = new Date(state.bornAt.getTime() + maxAgeMs);
    summary.nextRotationAt = nextWindowStart(
      dueAt.getTime() > now.getTime() ? dueAt : now,
      row.window,
    ).toISOString();
  }

  let status: ApiCredentialStatus;
  let reason: string | undefined;
  if (state.activeRotation) {
    status = 'rotating';
    reason = `Rotation ${state.activeRotation.id} is in phase ${state.activeRotation.phase}.`;
  } else if (state.drift.length > 0) {
    status = 'drift';
    reason = `${state.drift.map(p => p.message).join('; ')}. ${DRIFT_ADVICE}`;
  } else if (state.lastRotation?.phase === 'failed') {
    status = 'failed';
    reason = `The last rotation failed${
      state.lastRotation.failedPhase
        ? ` in phase ${state.lastRotation.failedPhase}`
        : ''
    } and was rolled back; the current key still works. ${
      state.lastRotation.error ?? ''
    }`.trim();
  } else if (!state.bornAt) {
    status = 'ok';
    reason =
      'Not checked yet: the next scheduled run reads the age of the key.';
  } else {
    const ageMs = now.getTime() - state.bornAt.getTime();
    if (ageMs >= maxAgeMs) {
      status = 'overdue';
      reason = `Older than its maximum age of ${summary.maxAgeDays} days; it is rotated in the next window, or press Rotate.`;
    } else if (ageMs >= maxAgeMs - Math.min(settings.dueSoonMs, maxAgeMs / 5)) {
      status = 'due-soon';
      reason =
        'Close to its maximum age; the scheduler rotates it when it is due.';
    } else {
      status = 'ok';
    }
  }
  return { ...summary, status, statusReason: reason };
}

/**
 * {@link summarise} for many bindings, from one batched read of their stored state: a page of
 * the fleet costs a few queries, not a few per credential. In the order of `rows`.
 */
export async function summariseAll(
  rows: CatalogBindingRow[],
  readModel: Pick<CredentialsReadModel, 'statuses'>,
  settings: StatusSettings,
  now: Date,
): Promise<CredentialSummary[]> {
  const states = await readModel.statuses(
    rows.filter(row => !row.error).map(row => row.id),
  );
  return rows.map(row =>
    summarise(row, row.error ? undefined : states.get(row.id), settings, now),
  );
}

/** Maps an old key's retirement record to what the tab shows (fingerprints only). */
export function toOldKeySummary(
  record: KeyDeletionRecord,
  now: Date,
): OldKeySummary {
  const iso = (date: Date | undefined) => date?.toISOString();
  const summary: OldKeySummary = {
    keyFingerprint: record.keyFingerprint,
    state: oldKeyState(record, now),
    graceEndsAt: record.dueAt.toISOString(),
    deadlineAt: iso(record.deadlineAt),
    nextCheckAt:
      record.status === 'deleted' || record.status === 'blocked'
        ? undefined
        : iso(record.nextAttemptAt ?? record.dueAt),
    reason: record.lastError,
    traffic: record.traffic && toTrafficSummary(record.traffic),
    revokedAt: iso(record.revokedAt),
    revokedBy: record.revokedBy,
    restorableUntil: iso(record.restorableUntil),
    deletedAt: iso(record.deletedAt),
  };
  return Object.fromEntries(
    Object.entries(summary).filter(([, value]) => value !== undefined),
  ) as unknown as OldKeySummary;
}

function oldKeyState(record: KeyDeletionRecord, now: Date): OldKeyState {
  switch (record.status) {
    case 'scheduled':
      return now < record.dueAt ? 'in-grace' : 'checking';
    case 'waiting':
      return 'waiting-for-analytics';
    default:
      return record.status;
  }
}

export function toTrafficSummary(traffic: KeyTrafficRecord): KeyTrafficSummary {
  return {
    calls: traffic.calls,
    ...(traffic.lastCallAt && { lastCallAt: traffic.lastCallAt.toISOString() }),
    windowStart: traffic.windowStart.toISOString(),
    checkedAt: traffic.checkedAt.toISOString(),
    sources: traffic.sources,
  };
}
