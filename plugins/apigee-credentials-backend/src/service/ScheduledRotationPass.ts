import { LoggerService } from '@backstage/backend-plugin-api';
import pLimit from 'p-limit';
import { RotationEngine } from '../engine/RotationEngine';
import { RotationInProgressError } from '../engine/failures';
import { CatalogBindingSync } from './bindings/CatalogBindingSync';
import {
  CatalogBindingRow,
  CatalogBindingStore,
} from '../database/CatalogBindingStore';
import { CredentialAlerts } from './CredentialAlerts';
import { isInsideWindow, nextWindowStart } from './status';

export interface ScheduledRotationPassOptions {
  engine: RotationEngine;
  sync: CatalogBindingSync;
  bindings: CatalogBindingStore;
  alerts: CredentialAlerts;
  logger: LoggerService;
  /** Rotations running at once in one pass. */
  concurrency: number;
  now?: () => Date;
}

type BindingOutcome = 'checked' | 'rotated' | 'outside-window' | 'error';

/** What one pass did, for logs and tests. */
export interface PassSummary {
  resumed: number;
  checked: number;
  rotated: number;
  skippedOutsideWindow: number;
  deletedKeys: number;
  revokedKeys: number;
  /** Old keys past their grace period that traffic shows still in use. */
  oldKeysInUse: number;
}

/**
 * One run of the global scheduled task: sync bindings from the catalog, finish or roll back
 * interrupted rotations, check the bindings that are due for a check or a rotation (adoption,
 * ownership, drift, age) and rotate the due ones inside their window with bounded
 * concurrency, then delete old keys whose grace period is over. A binding with nothing due
 * costs no call to Apigee or AWS.
 */
export class ScheduledRotationPass {
  constructor(private readonly options: ScheduledRotationPassOptions) {}

  async run(): Promise<PassSummary> {
    const { engine, sync, bindings, logger } = this.options;
    const now = this.options.now ?? (() => new Date());
    await sync.run();
    const resumed = await engine.resume();

    // A plain concurrency limit: Bottleneck (used for request rates elsewhere) passes every
    // job through timer-driven bookkeeping, about 2.5 ms each, one job at a time, which
    // held back the start of every rotation.
    const limit = pLimit(this.options.concurrency);
    // Only what is due: new or changed bindings, periodic checks, rotations. The database
    // picks them (a bounded batch); a binding whose annotation is gone or broken is skipped.
    const due = await bindings.listByIds(await engine.listBindingsToCheck());
    const outcomes = await Promise.all(
      due
        .filter(row => !row.error)
        .map(row => limit(() => this.#checkAndRotate(row, now))),
    );
    const count = (outcome: BindingOutcome) =>
      outcomes.filter(o => o === outcome).length;
    const checked = outcomes.length - count('error');
    const rotated = count('rotated');
    const skippedOutsideWindow = count('outside-window');
    const retirement = await engine.retireOldKeys();
    const summary: PassSummary = {
      resumed: resumed.length,
      checked,
      rotated,
      skippedOutsideWindow,
      deletedKeys: retirement.deleted,
      revokedKeys: retirement.revoked,
      oldKeysInUse: retirement.inUse,
    };
    logger.info(
      `Rotation pass: ${summary.checked} checked, ${summary.rotated} rotated, ${summary.resumed} resumed, ${summary.skippedOutsideWindow} waiting for their window, ${summary.deletedKeys} old keys deleted, ${summary.revokedKeys} revoked, ${summary.oldKeysInUse} still in use`,
    );
    return summary;
  }

  /** Checks one binding (adoption, drift, age) and rotates it when due and inside its window. */
  async #checkAndRotate(
    row: CatalogBindingRow,
    now: () => Date,
  ): Promise<BindingOutcome> {
    const { engine, alerts, logger } = this.options;
    try {
      const status = await engine.adopt(row.id);
      const due =
        !status.activeRotation &&
        status.drift.length === 0 &&
        status.rotationDueAt !== undefined &&
        status.rotationDueAt.getTime() <= now().getTime() &&
        !status.paused;
      if (!due || !isInsideWindow(now(), row.window)) {
        // Due but outside its window: looked at again when the window opens, not every pass.
        if (due) {
          await engine.scheduleCheck(
            row.id,
            nextWindowStart(now(), row.window),
          );
        }
        // Reminders only for credentials this pass leaves as they are: one rotated now needs
        // no "overdue" (its outcome is notified), and the rotation starts without waiting.
        await alerts.onChecked(row, status, now());
        return due ? 'outside-window' : 'checked';
      }
      const result = await engine.rotate(row.id, {
        trigger: 'schedule',
        afterCheck: true,
      });
      return result.phase === 'completed' ? 'rotated' : 'checked';
    } catch (error) {
      if (error instanceof RotationInProgressError) return 'checked';
      logger.warn(
        `Scheduled check of ${row.id} failed: ${(error as Error).message}`,
      );
      return 'error';
    }
  }
}
