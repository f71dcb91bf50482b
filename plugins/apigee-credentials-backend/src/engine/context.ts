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

/** Test and diagnostics hooks; a checkpoint is reached after each side effect and each write. */
export interface EngineHooks {
  /**
   * Called with `<phase>:effect` once a step's external changes are made but before the
   * phase is stored, and with `<phase>:persisted` right after it is stored.
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
  readonly logger: LoggerService;

  constructor(
    readonly deps: EngineDependencies,
    readonly stored: StoredBinding,
    readonly lease: Lease,
    /** As the database holds it: every phase is stored as it is reached. */
    public rotation: RotationRecord,
    options?: { justStarted?: boolean },
  ) {
    // A rotation recorded by this very run has no secret version yet: its id is new.
    this.memory = new RunMemory({ pendingKnownAbsent: options?.justStarted });
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
   * Stores the move to `to` (fenced by the lease) before anything else happens, and reports
   * it. A run that stops in its phase (`to` is the phase it is in) stores its patch only.
   */
  async advance(
    to: RotationPhase,
    patch: RotationPatch = {},
  ): Promise<RotationRecord> {
    await this.checkpoint(`${to}:effect`);
    const from = this.rotation.phase;
    this.rotation = await this.deps.store.transition(
      this.lease,
      this.rotation.id,
      from,
      to,
      patch,
      this.now,
    );
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

  /** Stores `promoted → completed` (RotationStore.complete); the lease goes with it. */
  async complete(completion: CompletionRecord): Promise<RotationRecord> {
    this.rotation = await this.deps.store.complete(
      this.lease,
      this.rotation.id,
      completion,
      this.now,
    );
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
