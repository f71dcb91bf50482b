import { randomUUID } from 'node:crypto';
import { ConflictError } from '@backstage/errors';
import type { ProvisionResult } from '@keyrotation/backstage-plugin-apigee-credentials-common';
import {
  fingerprint,
  isKeyProviderError,
} from '@keyrotation/backstage-plugin-apigee-credentials-node';
import { describeError } from '../engine/scrub';
import { SecretReference } from '../engine/types';
import { promote, ProvisionAttempt, PROVISION_TAG } from './ProvisionAttempt';
import {
  planProvision,
  ProvisionCaller,
  ProvisionDependencies,
  ProvisionPlan,
} from './provisionPlan';
import { ProvisionQuotaError, toResponseError } from './provisionErrors';
import { DEFAULT_PROVISIONS_PER_USER_PER_HOUR } from './provisioningSettings';
import { ValidProvisionRequest } from './provisionRequest';
import {
  ProvisionLeaseLostError,
  ProvisionProgress,
  ProvisionRow,
  ProvisionStore,
} from './ProvisionStore';

export interface ProvisionerOptions extends ProvisionDependencies {
  store: ProvisionStore;
  /** How long an attempt may go without recording progress before it counts as abandoned. */
  leaseDurationMs?: number;
  /** Attempts one user may start per hour (config `apigeeCredentials.quotas`). */
  provisionsPerUserPerHour?: number;
}

/** The answer to a provision request, and whether it repeats an earlier one. */
export interface ProvisionOutcome {
  result: ProvisionResult;
  /** True when the request id had completed before: nothing new was created. */
  repeated: boolean;
}

const DEFAULT_LEASE_MS = 2 * 60_000;
const HOUR_MS = 3600_000;

/**
 * Provisions the credential of a new consumer, once per request id: a repeat returns the
 * first result, a failed attempt is undone before its error is answered, and an attempt
 * whose process died is settled by the next request with its id or by
 * {@link Provisioner.recoverAbandoned}.
 */
export class Provisioner {
  readonly #options: ProvisionerOptions;
  readonly #leaseMs: number;

  constructor(options: ProvisionerOptions) {
    this.#options = options;
    this.#leaseMs = options.leaseDurationMs ?? DEFAULT_LEASE_MS;
  }

  /** What the request would do; reads only, records nothing. */
  async dryRun(
    request: ValidProvisionRequest,
    caller: ProvisionCaller,
  ): Promise<ProvisionResult> {
    try {
      const plan = await planProvision(this.#options, request, caller);
      return {
        ...resultBase(request),
        dryRun: true,
        ...(plan.secretArn && { secretArn: plan.secretArn }),
        created: {
          app: !plan.app,
          key: true,
          secret: !('arn' in request.secret),
        },
        steps: plan.steps.map(step => `would ${step}`),
      };
    } catch (error) {
      throw toResponseError(error, describeError(error));
    }
  }

  async provision(
    request: ValidProvisionRequest,
    caller: ProvisionCaller,
  ): Promise<ProvisionOutcome> {
    const { store } = this.#options;
    const { actor } = caller;
    const id = randomUUID();
    const progress: ProvisionProgress = { request };
    const existing = await store.get(request.requestId);
    if (
      existing &&
      existing.actor.toLocaleLowerCase('en-US') !==
        actor.toLocaleLowerCase('en-US')
    ) {
      // A request id is its first caller's: nothing about that request is told to another.
      throw new ConflictError(
        `Provision request id ${request.requestId} is taken; use a new request id`,
      );
    }
    if (existing && existing.state !== 'failed') {
      // A failed request may be sent again with corrected input; anything else may not.
      if (existing.requestHash !== request.hash) {
        throw new ConflictError(
          `Provision request ${request.requestId} was made before with other input; use a new request id`,
        );
      }
      if (existing.state === 'completed') {
        return { result: existing.result!, repeated: true };
      }
      // Running: its process died (or it is still running, and takeOver refuses).
      if (!(await this.#takeOver(existing))) throw busy(request.requestId);
      const finished = await this.#settle(existing);
      if (finished) return { result: finished, repeated: true };
    }

    await this.#checkQuota(actor);

    // Read-only checks first: a request refused here leaves no trace but its audit event.
    let plan: ProvisionPlan;
    try {
      plan = await planProvision(this.#options, request, caller);
    } catch (error) {
      throw toResponseError(error, describeError(error));
    }

    // A failed earlier attempt's row is taken over; otherwise the request gets its row.
    const row = {
      id,
      requestHash: request.hash,
      actor,
      progress,
      leaseUntil: this.#leaseUntil(),
      now: this.#now(),
    };
    const recorded = existing
      ? await store.restart(request.requestId, existing.id, row)
      : await store.insert({ requestId: request.requestId, ...row });
    if (!recorded) throw busy(request.requestId);

    const attempt = new ProvisionAttempt(
      this.#options,
      request,
      id,
      progress,
      next =>
        store.saveProgress(
          request.requestId,
          id,
          next,
          this.#leaseUntil(),
          this.#now(),
        ),
      { admin: caller.admin },
    );
    try {
      attempt.steps.push(...plan.steps.filter(s => s.startsWith('use ')));
      await attempt.run(plan);
    } catch (error) {
      const message = attempt.scrubber.describe(error);
      if (error instanceof ProvisionLeaseLostError) {
        throw new ConflictError(message);
      }
      const finished = await this.#settleFailure(
        { requestId: request.requestId, id, progress },
        message,
      );
      if (finished) return { result: finished, repeated: false };
      throw toResponseError(error, message);
    }
    const result = completedResult(progress, attempt.steps);
    await store.complete(request.requestId, id, result, this.#now());
    this.#options.engine.logger.info(
      `Provisioned ${request.annotation.key} for ${request.owner}: app ${request.app}, secret ${progress.secretArn}, key ${progress.keyFingerprint} (request ${request.requestId})`,
    );
    return { result, repeated: false };
  }

  /**
   * Settles attempts whose process died: finishes those whose key had become current,
   * undoes the others. Runs from the scheduled pass; returns how many it settled.
   */
  async recoverAbandoned(): Promise<number> {
    let settled = 0;
    for (const row of await this.#options.store.listAbandoned(this.#now())) {
      if (!(await this.#takeOver(row))) continue;
      try {
        await this.#settle(row);
        settled += 1;
      } catch (error) {
        this.#options.engine.logger.warn(
          `Could not yet undo abandoned provision ${
            row.requestId
          }: ${describeError(error)}; trying again later`,
        );
      }
    }
    return settled;
  }

  /**
   * Settles an attempt that stopped without an answer: returns its result when its key had
   * become current (finishing the promotion), undoes it and returns undefined otherwise.
   */
  async #settle(row: ProvisionRow): Promise<ProvisionResult | undefined> {
    const finished = await this.#finishIfPromoted(row);
    if (finished) return finished;
    await this.#undo(row.id, row.progress);
    await this.#options.store.fail(
      row.requestId,
      row.id,
      'The provisioning process stopped before it finished; what it created was removed',
      this.#now(),
    );
    return undefined;
  }

  /** After a failed step: finish if the key is current already, undo otherwise. */
  async #settleFailure(
    attempt: Pick<ProvisionRow, 'requestId' | 'id' | 'progress'>,
    message: string,
  ): Promise<ProvisionResult | undefined> {
    try {
      const finished = await this.#finishIfPromoted(attempt);
      if (finished) return finished;
      await this.#undo(attempt.id, attempt.progress);
      await this.#options.store.fail(
        attempt.requestId,
        attempt.id,
        message,
        this.#now(),
      );
    } catch (undoError) {
      // The row stays running: its lease runs out and recoverAbandoned tries again.
      this.#options.engine.logger.error(
        `Provision ${
          attempt.requestId
        } failed (${message}) and undoing it failed too (${describeError(
          undoError,
        )}); it is undone again later`,
      );
    }
    return undefined;
  }

  /**
   * When AWSCURRENT already holds the attempt's version, the consumer may be using the key:
   * going back would break it, so the attempt is completed instead.
   */
  async #finishIfPromoted(
    attempt: Pick<ProvisionRow, 'requestId' | 'id' | 'progress'>,
  ): Promise<ProvisionResult | undefined> {
    const { progress } = attempt;
    if (!progress.secretArn || !progress.pendingStarted) return undefined;
    const secret: SecretReference = { arn: progress.secretArn };
    const stages = await this.#options.engine.retry.run(
      'read the staging labels',
      () => this.#options.secrets.describeStages(secret),
    );
    if (!stages[attempt.id]?.includes('AWSCURRENT')) return undefined;
    await promote(this.#options, secret, attempt.id);
    const result = completedResult(progress, [
      'finished a provision that was interrupted after its key became current',
    ]);
    await this.#options.store.complete(
      attempt.requestId,
      attempt.id,
      result,
      this.#now(),
    );
    return result;
  }

  /** Removes what an attempt created, newest first. Every step is idempotent. */
  async #undo(id: string, progress: ProvisionProgress): Promise<void> {
    const { engine, secrets } = this.#options;
    const { request } = progress;
    const retry = <T>(operation: string, fn: () => Promise<T>) =>
      engine.retry.run(operation, fn);
    const appRef = { developer: request.developer, app: request.app };
    const provider =
      progress.keyImportStarted || progress.appCreateStarted
        ? engine.providerFor(request.provider)
        : undefined;

    if (provider && progress.keyImportStarted && progress.keyFingerprint) {
      // Found by fingerprint: the key itself is only in the secret, which may be gone.
      const app = await retry('read the app', () =>
        provider.getApp(appRef),
      ).catch(error => {
        if (isKeyProviderError(error) && error.kind === 'not-found')
          return undefined;
        throw error;
      });
      for (const key of app?.keys ?? []) {
        if (fingerprint(key.consumerKey) === progress.keyFingerprint) {
          await retry('delete the new key', () =>
            provider.deleteKey(appRef, key.consumerKey),
          );
        }
      }
    }

    if (progress.secretCreateStarted && !('arn' in request.secret)) {
      const byName: SecretReference = {
        name: request.secret.name,
        accountId: request.secret.accountId,
        region: request.secret.region,
      };
      const found = await retry('read the secret', () =>
        secrets.findSecret(
          progress.secretArn ? { arn: progress.secretArn } : byName,
        ),
      );
      // The tag proves it is this attempt's secret, not one made by someone else since.
      if (found && found.tags[PROVISION_TAG] === id) {
        await retry('delete the secret', () =>
          secrets.deleteSecret({ arn: found.arn }),
        );
      }
    } else if (progress.pendingStarted && progress.secretArn) {
      const secret: SecretReference = { arn: progress.secretArn };
      const stages = await retry('read the staging labels', () =>
        secrets.describeStages(secret),
      );
      if (stages[id]?.includes('AWSPENDING')) {
        await retry('remove AWSPENDING', () =>
          secrets.updateStage(secret, 'AWSPENDING', {
            removeFromVersionId: id,
          }),
        );
      }
    }

    if (
      provider?.deleteApp &&
      progress.appCreateStarted &&
      progress.appWasMissing
    ) {
      await retry('delete the app', () => provider.deleteApp!(appRef));
    }
  }

  /**
   * Refuses a new attempt when the caller started the allowed number within the last hour.
   * Counted in the database, so replicas share it; requests that arrive at the same moment
   * on several replicas can each pass before any of them is recorded.
   */
  async #checkQuota(actor: string): Promise<void> {
    const limit =
      this.#options.provisionsPerUserPerHour ??
      DEFAULT_PROVISIONS_PER_USER_PER_HOUR;
    const now = this.#now().getTime();
    const { count, oldest } = await this.#options.store.attemptsSince(
      actor,
      new Date(now - HOUR_MS),
    );
    if (count < limit) return;
    const retryAfterSeconds = Math.max(
      1,
      Math.ceil(((oldest?.getTime() ?? now) + HOUR_MS - now) / 1000),
    );
    throw new ProvisionQuotaError(
      `You started ${count} provisions within the last hour, the most allowed (apigeeCredentials.quotas.provisionsPerUserPerHour is ${limit}); try again in ${retryAfterSeconds} s`,
      retryAfterSeconds,
    );
  }

  async #takeOver(row: ProvisionRow): Promise<boolean> {
    return this.#options.store.takeOver(
      row.requestId,
      row.id,
      this.#leaseUntil(),
      this.#now(),
    );
  }

  #now(): Date {
    return this.#options.engine.clock.now();
  }

  #leaseUntil(): Date {
    return new Date(this.#now().getTime() + this.#leaseMs);
  }
}

function busy(requestId: string): ConflictError {
  return new ConflictError(
    `Provision request ${requestId} is being carried out right now; try again in a minute`,
  );
}

function resultBase(
  request: ValidProvisionRequest,
): Omit<ProvisionResult, 'dryRun' | 'created' | 'steps'> {
  return {
    requestId: request.requestId,
    provider: request.provider,
    developer: request.developer,
    app: request.app,
    environment: request.environment,
    annotations: { [request.annotation.key]: request.annotation.value },
  };
}

function completedResult(
  progress: ProvisionProgress,
  steps: string[],
): ProvisionResult {
  const { request } = progress;
  return {
    ...resultBase(request),
    dryRun: false,
    secretArn: progress.secretArn,
    keyFingerprint: progress.keyFingerprint,
    created: {
      app: !!progress.appWasMissing,
      key: true,
      secret: !!progress.secretCreateStarted,
    },
    steps: [...steps, `bound annotation ${request.annotation.key}`],
  };
}
