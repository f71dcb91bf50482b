// Rows of `rotations` as the database returns them, and their records.
import {
  RotationErrorCode,
  RotationPhase,
  RotationRecord,
  RotationTrigger,
} from '../engine/types';
import { toDate } from './dates';
import { RotationPatch } from './RotationStore';

export interface RotationRow {
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

export function toRotation(row: RotationRow): RotationRecord {
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

/** Column values of a {@link RotationPatch}; undefined fields are left alone. */
export function patchColumns(patch: RotationPatch): Record<string, unknown> {
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
