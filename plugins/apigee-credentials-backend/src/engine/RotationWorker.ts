import {
  Lease,
  LeaseLostError,
  StoredBinding,
} from '../database/RotationStore';
import { EngineDependencies, StepContext } from './context';
import { ROLLBACK_PENDING, failureCode, withoutRollbackNote } from './failures';
import { associateStep } from './phases/associate';
import { createStep } from './phases/create';
import { finishStep } from './phases/finish';
import { importStep } from './phases/import';
import { promoteStep } from './phases/promote';
import { rollbackStep } from './phases/rollback';
import { testStep } from './phases/test';
import { RotationPhase, RotationRecord, TERMINAL_PHASES } from './types';

/**
 * The protocol as one list: the step that takes a rotation on from each unfinished phase
 * (docs/protocol.md). Each step stores the next phase before anything else happens, so a
 * crash anywhere resumes at the last phase stored.
 */
const STEPS: Record<
  Exclude<RotationPhase, 'completed' | 'failed'>,
  (ctx: StepContext) => Promise<unknown>
> = {
  started: createStep, // → created: AWSPENDING holds the new key
  created: importStep, // → imported: the key is in the app
  imported: associateStep, // → associated: it has the current key's products
  associated: testStep, // → tested: Apigee accepts it
  tested: promoteStep, // → promoted: AWSCURRENT holds it (no way back)
  promoted: finishStep, // → completed: AWSPENDING gone, old key's retirement scheduled
  rolling_back: rollbackStep, // → failed: new key and AWSPENDING gone
};

/** Keeps a lease alive while a worker runs, and notices when it is lost. */
class LeaseKeeper {
  #timer?: NodeJS.Timeout;
  #lost = false;

  constructor(
    private readonly deps: EngineDependencies,
    private readonly lease: Lease,
  ) {}

  get lost(): boolean {
    return this.#lost;
  }

  start(): void {
    const every = Math.max(
      200,
      Math.floor(this.deps.settings.leaseDurationMs / 3),
    );
    this.#timer = setInterval(() => {
      this.deps.store.renewLease(this.lease, this.deps.clock.now()).then(
        renewed => {
          if (!renewed) this.#lost = true;
        },
        error => {
          this.deps.logger.warn(
            `Could not renew the lease on ${this.lease.bindingId}: ${
              (error as Error).message
            }`,
          );
        },
      );
    }, every);
    this.#timer.unref?.();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }
}

/** What a worker may start from. */
export interface WorkerOptions {
  /** The rotation was recorded by this run, so it has no secret version yet. */
  justStarted?: boolean;
}

/**
 * Drives one rotation, holding its binding's lease, from its stored phase to the end. Each
 * step does its (idempotent) external work and then stores the next phase ({@link STEPS}),
 * so a crash anywhere resumes at the last stored phase. A failure before promotion rolls back.
 */
export class RotationWorker {
  readonly #ctx: StepContext;
  readonly #keeper: LeaseKeeper;

  constructor(
    private readonly deps: EngineDependencies,
    stored: StoredBinding,
    private readonly lease: Lease,
    rotation: RotationRecord,
    options?: WorkerOptions,
  ) {
    this.#ctx = new StepContext(deps, stored, lease, rotation, options);
    this.#keeper = new LeaseKeeper(deps, lease);
  }

  /** Whether the lease went with the rotation's completion; otherwise the caller releases it. */
  get leaseReleased(): boolean {
    return this.#ctx.leaseReleased;
  }

  /**
   * Runs to a terminal phase, or stops early when the lease is lost or rollback must wait.
   * Waits first for one of the engine's worker slots, keeping the lease alive meanwhile.
   */
  async run(): Promise<RotationRecord> {
    this.#keeper.start();
    try {
      const slots = this.deps.workerSlots;
      return await (slots ? slots(() => this.#drive()) : this.#drive());
    } finally {
      this.#keeper.stop();
    }
  }

  async #drive(): Promise<RotationRecord> {
    const ctx = this.#ctx;
    try {
      while (!TERMINAL_PHASES.has(ctx.rotation.phase)) {
        if (this.#keeper.lost) {
          throw new LeaseLostError(
            `The lease on ${this.lease.bindingId} was lost`,
          );
        }
        ctx.beginStep();
        try {
          await this.#step();
        } catch (error) {
          if (error instanceof LeaseLostError) throw error;
          const message = ctx.scrubber.describe(error);
          // What the run knew may no longer hold: whatever comes next reads afresh.
          ctx.memory.forget();
          // Decide on the last stored phase: a step may have stored its phase before failing.
          const phase = ctx.rotation.phase;
          if (TERMINAL_PHASES.has(phase)) {
            ctx.logger.warn(
              `Rotation ${ctx.rotation.id} is ${phase}, but a later hook failed: ${message}`,
            );
            continue;
          }
          if (phase === 'promoted' || phase === 'rolling_back') {
            // Past the point of no return, or already undoing: record and leave it for resume().
            ctx.logger.error(
              `Rotation ${ctx.rotation.id} could not ${
                phase === 'promoted' ? 'be finished' : 'be rolled back'
              } yet; it will be retried: ${message}`,
            );
            const recorded =
              phase === 'rolling_back'
                ? `${
                    withoutRollbackNote(ctx.rotation.error) ?? ''
                  }${ROLLBACK_PENDING}${message}]`
                : message;
            await ctx.advance(phase, { error: recorded });
            return ctx.rotation;
          }
          const code = failureCode(error);
          ctx.logger.warn(
            `Rotation ${ctx.rotation.id} failed in phase ${phase} (${code}); rolling back: ${message}`,
          );
          await ctx.advance('rolling_back', {
            failedPhase: phase,
            errorCode: code,
            error: message,
          });
        }
      }
      this.#report();
      return ctx.rotation;
    } catch (error) {
      if (error instanceof LeaseLostError) {
        ctx.logger.warn(
          `Rotation ${ctx.rotation.id} stopped: ${error.message}`,
        );
        return (
          (await this.deps.store.getRotation(ctx.rotation.id)) ?? ctx.rotation
        );
      }
      throw error;
    }
  }

  async #step(): Promise<void> {
    const phase = this.#ctx.rotation.phase;
    const step = STEPS[phase as keyof typeof STEPS];
    if (!step) throw new Error(`Unknown rotation phase ${phase}`);
    await step(this.#ctx);
  }

  #report(): void {
    const { rotation, binding } = this.#ctx;
    if (rotation.phase === 'completed') {
      this.deps.emit({
        type: 'rotation.completed',
        bindingId: binding.id,
        rotationId: rotation.id,
        oldKeyFingerprint: rotation.oldKeyFingerprint,
        newKeyFingerprint: rotation.newKeyFingerprint,
      });
    } else if (rotation.phase === 'failed') {
      this.#ctx.logger.warn(
        `Rotation ${rotation.id} of ${binding.id} was rolled back; AWSCURRENT was not changed: ${rotation.error}`,
      );
      this.deps.emit({
        type: 'rotation.failed',
        bindingId: binding.id,
        rotationId: rotation.id,
        failedPhase: rotation.failedPhase,
        errorCode: rotation.errorCode ?? 'internal',
        error: rotation.error ?? 'unknown error',
      });
    }
  }
}
