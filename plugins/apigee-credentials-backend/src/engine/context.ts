import { LoggerService } from '@backstage/backend-plugin-api';
import {
  ApiKeyDetails,
  DeveloperAppDetails,
  DeveloperAppRef,
  KeyProvider,
  fingerprint,
} from '@keyrotation/backstage-plugin-apigee-credentials-node';
import {
  CompletionRecord,
  Lease,
  RotationPatch,
  RotationStore,
  StoredBinding,
} from '../database/RotationStore';
import { OwnershipSettings } from '../ownership/ownershipSettings';
import { SecretStore } from '../secrets/SecretStore';
import { KeyRetirementStore } from '../database/KeyRetirementStore';
import { RetirementSettings } from './retirement/retirementSettings';
import {
  CredentialFields,
  DEFAULT_CREDENTIAL_FIELDS,
  SecretCredential,
  readSecretCredential,
  writeSecretCredential,
} from '../secrets/secretValue';
import { Clock } from './clock';
import { RotationFailure } from './failures';
import { CheckedReads } from './recentChecks';
import { RetryRunner } from './retry';
import { CurrentCredential, PendingCredential, RunMemory } from './runMemory';
import { SecretScrubber } from './scrub';
import { EngineSettings } from './settings';
import {
  CredentialBinding,
  RotationEvent,
  RotationPhase,
  RotationRecord,
} from './types';

/**
 * Phases that are not written on their own but with the next phase that is: a run resuming
 * from the phase before can redo what follows them.
 *
 * - `imported`, `associated`: a run resuming at `created` finds the key already in the app
 *   (the import step looks first) and its products already there (association adds only
 *   what is missing and approves only what is pending), and the test step changes nothing.
 *   Undoing needs nothing they record: `created` holds the new key's fingerprint.
 * - `promoted`: a run resuming at `tested` finds AWSCURRENT already on the new version (the
 *   promotion is a compare-and-swap that then looks where the label is), and removing
 *   AWSPENDING again is a no-op. Should that run fail first, its rollback does no harm: a
 *   rollback first looks where AWSCURRENT is, and finishes the rotation when it has moved.
 *
 * `created` (the new key's fingerprint, before the key reaches Apigee) and `tested` (the key
 * passed, before AWSCURRENT moves) are always written before the next change is made.
 */
export const PHASES_STORED_WITH_NEXT: ReadonlySet<RotationPhase> = new Set([
  'imported',
  'associated',
  'promoted',
]);

/** Test and diagnostics hooks; a checkpoint is reached after each side effect and each write. */
export interface EngineHooks {
  /**
   * Called with `<phase>:effect` once a step's external changes are made but before the
   * phase is stored, and with `<phase>:persisted` right after it is stored (for a phase in
   * {@link PHASES_STORED_WITH_NEXT}, once it is recorded in memory).
   */
  checkpoint?(name: string, rotation: RotationRecord): Promise<void> | void;
}

/** Everything the engine's parts share. */
export interface EngineDependencies {
  store: RotationStore;
  /** Old keys on their way out, revocation requests and paused credentials. */
  retirement: KeyRetirementStore;
  retirementSettings: RetirementSettings;
  secrets: SecretStore;
  providerFor(name: string): KeyProvider;
  settings: EngineSettings;
  /** Where ownership marks are read (secret tag, app attribute). */
  ownership: OwnershipSettings;
  logger: LoggerService;
  clock: Clock;
  retry: RetryRunner;
  hooks?: EngineHooks;
  emit(event: RotationEvent): void;
  /**
   * The engine-wide limit on rotations running at once (`settings.concurrency`), shared by
   * scheduled, manual and resumed rotations; absent means unlimited.
   */
  workerSlots?: <T>(run: () => Promise<T>) => Promise<T>;
}

/** The state the steps of one run of one rotation work with. */
export class StepContext {
  readonly binding: CredentialBinding;
  readonly appRef: DeveloperAppRef;
  readonly fields: CredentialFields;
  readonly provider: KeyProvider;
  /** Key material the current step may hold, for scrubbing; renewed at each step. */
  scrubber = new SecretScrubber();
  /** What this run has read and written; empty when a run starts or resumes. */
  readonly memory: RunMemory;
  /** Set once the lease is released with the rotation's completion (RotationStore.complete). */
  leaseReleased = false;
  /** The phase the database holds: where a run resumes. */
  #storedPhase: RotationPhase;
  /** What phases in {@link PHASES_STORED_WITH_NEXT} recorded, for the next write. */
  #unstored: RotationPatch = {};
  readonly logger: LoggerService;

  constructor(
    readonly deps: EngineDependencies,
    readonly stored: StoredBinding,
    readonly lease: Lease,
    public rotation: RotationRecord,
    options?: { justStarted?: boolean; checked?: CheckedReads },
  ) {
    this.#storedPhase = rotation.phase;
    // A rotation recorded by this very run has no secret version yet: its id is new.
    this.memory = new RunMemory({ pendingKnownAbsent: options?.justStarted });
    this.memory.current = options?.checked?.current;
    this.memory.app = options?.checked?.app;
    this.binding = stored.binding;
    this.appRef = { developer: this.binding.developer, app: this.binding.app };
    this.fields = {
      key: this.binding.fields?.key ?? DEFAULT_CREDENTIAL_FIELDS.key,
      secret: this.binding.fields?.secret ?? DEFAULT_CREDENTIAL_FIELDS.secret,
    };
    this.provider = deps.providerFor(this.binding.provider);
    this.logger = deps.logger.child({
      bindingId: this.binding.id,
      rotationId: rotation.id,
    });
  }

  /** Starts a step: a new scrubber that knows the key material the run holds. */
  beginStep(): void {
    this.scrubber = new SecretScrubber();
    this.memory.addTo(this.scrubber);
  }

  get now(): Date {
    return this.deps.clock.now();
  }

  /** Runs a call with bounded retries of transient failures. */
  retry<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    return this.deps.retry.run(operation, fn, error =>
      this.scrubber.describe(error),
    );
  }

  async checkpoint(name: string): Promise<void> {
    await this.deps.hooks?.checkpoint?.(name, this.rotation);
  }

  /**
   * Stores the move to `to` (fenced by the lease), together with what the phases recorded
   * since the last write noted, and reports it; a phase in {@link PHASES_STORED_WITH_NEXT}
   * is only recorded in memory, unless `store` asks for the write (a run that stops there).
   */
  async advance(
    to: RotationPhase,
    patch: RotationPatch = {},
    options?: { store?: boolean },
  ): Promise<RotationRecord> {
    await this.checkpoint(`${to}:effect`);
    const from = this.rotation.phase;
    if (PHASES_STORED_WITH_NEXT.has(to) && !options?.store) {
      this.#unstored = { ...this.#unstored, ...patch };
      this.rotation = {
        ...withPatch(this.rotation, patch),
        phase: to,
        updatedAt: this.now,
      };
    } else {
      await this.#store(to, patch);
    }
    if (from !== to) {
      this.logger.info(
        `Rotation ${this.rotation.id} of ${this.binding.id}: ${from} → ${to}`,
      );
      this.deps.emit({
        type: 'rotation.phase',
        bindingId: this.binding.id,
        rotationId: this.rotation.id,
        phase: to,
      });
    }
    await this.checkpoint(`${to}:persisted`);
    return this.rotation;
  }

  /**
   * Stores now a phase that was only recorded in memory, before the run waits (the test step
   * waiting for Apigee's key cache): the progress users see, such as the Rotate button's
   * steps, then stays true during the wait.
   */
  async storePhase(): Promise<void> {
    if (this.rotation.phase !== this.#storedPhase) {
      await this.#store(this.rotation.phase, {});
    }
  }

  /** Writes the move from the stored phase to `to`, with what unstored phases noted. */
  async #store(to: RotationPhase, patch: RotationPatch): Promise<void> {
    this.rotation = await this.deps.store.transition(
      this.lease,
      this.rotation.id,
      this.#storedPhase,
      to,
      { ...this.#unstored, ...patch },
      this.now,
    );
    this.#storedPhase = to;
    this.#unstored = {};
  }

  /**
   * Stores the completion (RotationStore.complete) from the phase the database holds, with
   * what unstored phases noted; the lease goes with it.
   */
  async complete(
    completion: Omit<CompletionRecord, 'from' | 'patch'>,
  ): Promise<RotationRecord> {
    this.rotation = await this.deps.store.complete(
      this.lease,
      this.rotation.id,
      { ...completion, from: this.#storedPhase, patch: this.#unstored },
      this.now,
    );
    this.#storedPhase = this.rotation.phase;
    this.#unstored = {};
    this.leaseReleased = true;
    return this.rotation;
  }

  /**
   * The credential in AWSCURRENT, as this run last saw it (read now if it has not, or with
   * `fresh`); the values are remembered for scrubbing.
   */
  async readCurrent(options?: { fresh?: boolean }): Promise<CurrentCredential> {
    if (this.memory.current && !options?.fresh) return this.memory.current;
    const current = await this.retry('read AWSCURRENT', () =>
      this.deps.secrets.getVersion(this.binding.secret, {
        stage: 'AWSCURRENT',
      }),
    );
    if (!current) {
      throw new RotationFailure('drift', 'The secret has no AWSCURRENT value');
    }
    const credential = readSecretCredential(current.secretString, this.fields);
    this.scrubber.add(credential.consumerKey, credential.consumerSecret);
    this.memory.current = { ...credential, versionId: current.versionId };
    return this.memory.current;
  }

  /** The credential in this rotation's own version (AWSPENDING), or undefined. */
  async readPending(): Promise<PendingCredential | undefined> {
    if (this.memory.pending !== undefined) {
      return this.memory.pending ?? undefined;
    }
    const pending = await this.retry('read the pending version', () =>
      this.deps.secrets.getVersion(this.binding.secret, {
        versionId: this.rotation.id,
      }),
    );
    if (!pending) {
      this.memory.pending = null;
      return undefined;
    }
    const credential = readSecretCredential(pending.secretString, this.fields);
    this.scrubber.add(credential.consumerKey, credential.consumerSecret);
    this.memory.pending = { ...credential, stages: pending.stages };
    return this.memory.pending;
  }

  /** Like {@link StepContext.readPending}, but the version must exist. */
  async requirePending(): Promise<SecretCredential> {
    const pending = await this.readPending();
    if (!pending) {
      throw new RotationFailure(
        'internal',
        `The pending secret version ${this.rotation.id} has disappeared`,
      );
    }
    return pending;
  }

  /**
   * Stores this rotation's version as AWSPENDING: `base` (the current document, whose other
   * fields are kept) with the new pair. Idempotent: the rotation id is the request token.
   */
  async putPending(
    base: Record<string, unknown>,
    pair: { consumerKey: string; consumerSecret: string },
  ): Promise<void> {
    this.scrubber.add(pair.consumerKey, pair.consumerSecret);
    const secretString = writeSecretCredential(base, this.fields, pair);
    await this.retry('store AWSPENDING', () =>
      this.deps.secrets.putPendingVersion(
        this.binding.secret,
        this.rotation.id,
        secretString,
      ),
    );
    this.memory.pending = {
      ...pair,
      document: JSON.parse(secretString),
      stages: ['AWSPENDING'],
    };
  }

  /**
   * The app as this run last read it, unless the run changed it since; read now otherwise,
   * or always with `fresh`.
   */
  async getApp(options?: { fresh?: boolean }): Promise<DeveloperAppDetails> {
    const known = this.memory.freshApp;
    if (known && !options?.fresh) return known;
    const app = await this.retry('read the Apigee app', () =>
      this.provider.getApp(this.appRef),
    );
    this.memory.app = app;
    this.memory.appChanged = false;
    return app;
  }

  /** Runs a change to the app; the app is read again before it is next looked at. */
  async changeApp<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    // Marked before the call: a failed call may still have taken effect.
    this.memory.appChanged = true;
    return this.retry(operation, fn);
  }

  /** Staging labels by version id, read now. */
  async describeStages(): Promise<Record<string, string[]>> {
    return this.retry('describe the secret', () =>
      this.deps.secrets.describeStages(this.binding.secret),
    );
  }
}

/** A rotation with a patch applied as the store would apply it (null clears a field). */
function withPatch(
  rotation: RotationRecord,
  patch: RotationPatch,
): RotationRecord {
  const next: Record<string, unknown> = { ...rotation };
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    next[field] = value === null ? undefined : value;
  }
  return next as unknown as RotationRecord;
}

/** The key of an app whose consumer key has the given fingerprint. */
export function findKeyByFingerprint(
  app: DeveloperAppDetails,
  keyFingerprint: string | undefined,
): ApiKeyDetails | undefined {
  if (!keyFingerprint) return undefined;
  return app.keys.find(k => fingerprint(k.consumerKey) === keyFingerprint);
}

/** Products a key is approved for: what a new key must get for parity with it. */
export function approvedProducts(key: ApiKeyDetails): string[] {
  return [
    ...new Set(
      key.apiProducts
        .filter(p => p.status === 'approved')
        .map(p => p.apiProduct),
    ),
  ].sort();
}
