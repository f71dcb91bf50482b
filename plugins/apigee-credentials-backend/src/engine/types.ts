import type { KeyUsabilityProblem } from '@keyrotation/backstage-plugin-apigee-credentials-node';

/**
 * A length of time: an ISO 8601 duration (`P7D`, `PT15M`), a number of milliseconds, or
 * an object such as `{ hours: 24 }` (the shape of Backstage's `HumanDuration`).
 *
 * @public
 */
export type DurationInput =
  | string
  | number
  | {
      years?: number;
      months?: number;
      weeks?: number;
      days?: number;
      hours?: number;
      minutes?: number;
      seconds?: number;
      milliseconds?: number;
    };

/**
 * Where the credential is stored in AWS Secrets Manager: a secret ARN (account and Region
 * are read from it), or a name with its account and Region.
 *
 * @public
 */
export type SecretReference =
  | { arn: string }
  | { name: string; accountId: string; region: string };

/**
 * A live check of a key through a real API proxy, used by the test step.
 *
 * @public
 */
export interface ProbeSpec {
  /** URL of a proxy endpoint protected by VerifyAPIKey. */
  url: string;
  /** HTTP method; GET by default. */
  method?: string;
  /**
   * Where the proxy reads the key: a header (default `x-apikey`), a query parameter, or
   * HTTP Basic `key:secret`.
   */
  key?: { in: 'header' | 'query' | 'basic'; name?: string };
  /** Statuses that mean "accepted"; any 2xx by default. */
  acceptedStatuses?: number[];
}

/**
 * One Apigee credential bound to a catalog entity: which developer app issues the key, and
 * which Secrets Manager secret holds it. Produced from catalog annotations by the sync job.
 *
 * @public
 */
export interface CredentialBinding {
  /** Stable identifier, e.g. `component:default/orders-service#prod`. */
  id: string;
  entityRef: string;
  /**
   * The entity's owner as the catalog says (`spec.owner`, a full ref). A claim only: the
   * ownership marks on the secret and the app may name it instead of the entity.
   */
  ownerRef?: string;
  environment: string;
  /** Name of the key provider (see `apigeeCredentials.providers`). */
  provider: string;
  /** Developer e-mail (or id on Edge). */
  developer: string;
  app: string;
  secret: SecretReference;
  /** Field names of the key and the secret in the secret's JSON; consumerKey/consumerSecret by default. */
  fields?: { key?: string; secret?: string };
  /** How long the old key keeps working after a rotation; the engine default otherwise. */
  gracePeriod?: DurationInput;
  /** Age at which a scheduled run rotates the credential; the engine default otherwise. */
  maxAge?: DurationInput;
  probe?: ProbeSpec;
  /**
   * How old keys are retired: `traffic` (default) deletes one only when analytics shows no
   * calls with it; `time` deletes it when its grace period ends.
   */
  retireOldKeys?: 'traffic' | 'time';
}

/** @public */
export type RotationTrigger = 'schedule' | 'manual' | 'provision';

/**
 * The persisted phases of a rotation (see docs/protocol.md). A rotation moves forward through
 * `started → created → imported → associated → tested → promoted → completed`; a failure
 * before `promoted` moves it to `rolling_back` and then `failed`. `promoted` is the point of
 * no return: from there the rotation is only ever finished, never rolled back.
 *
 * @public
 */
export type RotationPhase =
  | 'started'
  | 'created'
  | 'imported'
  | 'associated'
  | 'tested'
  | 'promoted'
  | 'completed'
  | 'rolling_back'
  | 'failed';

/** Phases after which nothing more happens to a rotation. @public */
export const TERMINAL_PHASES: ReadonlySet<RotationPhase> = new Set([
  'completed',
  'failed',
]);

/**
 * Why a rotation failed, for the UI and for alerting.
 *
 * @public
 */
export type RotationErrorCode =
  | 'drift'
  | 'parity'
  | 'approval'
  | 'key-limit'
  | 'probe'
  | 'secret-changed'
  | 'not-allowed'
  | 'configuration'
  | 'unavailable'
  | 'internal';

/**
 * A rotation as stored: identifiers, phase and key fingerprints only, never key material.
 *
 * @public
 */
export interface RotationRecord {
  /** Also the ClientRequestToken, hence the VersionId, of the new secret version. */
  id: string;
  bindingId: string;
  trigger: RotationTrigger;
  actor?: string;
  phase: RotationPhase;
  /** The phase in which the rotation failed, when it did. */
  failedPhase?: RotationPhase;
  errorCode?: RotationErrorCode;
  /** Error message, scrubbed of key material. */
  error?: string;
  oldKeyFingerprint?: string;
  newKeyFingerprint?: string;
  /** Secrets Manager version that held AWSCURRENT when the rotation began. */
  previousVersionId?: string;
  newKeyIssuedAt?: Date;
  /** How many times a worker picked the rotation up (1 unless resumed after a crash). */
  attempts: number;
  startedAt: Date;
  updatedAt: Date;
  associatedAt?: Date;
  promotedAt?: Date;
  finishedAt?: Date;
}

/** A drift finding about the credential in AWSCURRENT. @public */
export interface DriftProblem {
  code:
    | KeyUsabilityProblem['code']
    | 'secret-missing'
    | 'secret-malformed'
    | 'app-missing'
    | 'replaced-outside-plugin';
  message: string;
}

/**
 * Where an old key is on its way out (docs/key-retirement.md): `scheduled` (grace period
 * running, or due for its first traffic check), `checking` (the last check saw no calls),
 * `in-use`, `waiting` (analytics did not answer or is not configured), `revoked` (restorable
 * until `restorableUntil`), `deleted`, `blocked` (in AWSCURRENT again: never deleted).
 *
 * @public
 */
export type KeyRetirementStatus =
  | 'scheduled'
  | 'checking'
  | 'in-use'
  | 'waiting'
  | 'revoked'
  | 'deleted'
  | 'blocked';

/** Calls seen with a key in one traffic check; never the key itself. @public */
export interface KeyTrafficRecord {
  calls: number;
  lastCallAt?: Date;
  windowStart: Date;
  checkedAt: Date;
  sources: Array<{ proxy?: string; client?: string; calls: number }>;
}

/** An old key on its way out after a rotation. @public */
export interface KeyDeletionRecord {
  id: string;
  bindingId: string;
  rotationId: string;
  keyFingerprint: string;
  /** End of the grace period. */
  dueAt: Date;
  status: KeyRetirementStatus;
  attempts: number;
  /** Why the key waits, or what failed last (scrubbed of key material). */
  lastError?: string;
  deletedAt?: Date;
  /** The next traffic check or attempt; `dueAt` when absent. */
  nextAttemptAt?: Date;
  /** Set when the deadline was moved (a restore starts a new one). */
  deadlineAt?: Date;
  silentSince?: Date;
  traffic?: KeyTrafficRecord;
  /** The last state the owners were notified of, so each is notified once. */
  notifiedState?: string;
  revokedAt?: Date;
  revokedBy?: string;
  restorableUntil?: Date;
  /** When a traffic check first saw calls with the key that replaced this one. */
  successorFirstUsedAt?: Date;
  /** The rotation was asked to revoke this key as soon as it finished. */
  revocationRequested?: boolean;
}

/**
 * Whether a binding's targets are proven to belong to its entity: `verified` by the marks on
 * the secret and the app, `approved` by an admin, or `unverified`.
 *
 * @public
 */
export interface OwnershipState {
  state: 'verified' | 'approved' | 'unverified';
  /** For `unverified`: what is missing and whom to ask. */
  reason?: string;
}

/** What the engine knows about a binding. @public */
export interface CredentialStatus {
  binding: CredentialBinding;
  /** Whether the engine has found the key of AWSCURRENT in the app at least once. */
  adopted: boolean;
  currentKeyFingerprint?: string;
  /** Issue time of the current key: the credential's birth. */
  bornAt?: Date;
  /** When the credential should be rotated next (birth + max age). */
  rotationDueAt?: Date;
  /** Undefined until the first check. */
  ownership?: OwnershipState;
  /** An admin's approval of the binding's current targets. */
  approval?: { by: string; at: Date };
  /** Empty when the credential is healthy. */
  drift: DriftProblem[];
  checkedAt?: Date;
  activeRotation?: RotationRecord;
  lastRotation?: RotationRecord;
  /** Old keys not yet deleted (revoked ones excluded). */
  pendingDeletions: KeyDeletionRecord[];
  /** Old keys not yet deleted and those deleted recently, newest first. */
  oldKeys: KeyDeletionRecord[];
  /** Present while scheduled rotation is paused. */
  paused?: { bindingId: string; by: string; at: Date; reason: string };
  /** How old keys are retired: the binding's choice, else its provider's, else `traffic`. */
  retireOldKeys: 'traffic' | 'time';
}

/** Something the engine did, for auditing and notifications; never key material. @public */
export type RotationEvent =
  | {
      type: 'rotation.phase';
      bindingId: string;
      rotationId: string;
      phase: RotationPhase;
    }
  | {
      type: 'rotation.completed';
      bindingId: string;
      rotationId: string;
      oldKeyFingerprint?: string;
      newKeyFingerprint?: string;
    }
  | {
      type: 'rotation.failed';
      bindingId: string;
      rotationId: string;
      failedPhase?: RotationPhase;
      errorCode: RotationErrorCode;
      error: string;
    }
  | {
      type: 'drift.detected';
      bindingId: string;
      problems: DriftProblem[];
    }
  | {
      type: 'key.deleted';
      bindingId: string;
      keyFingerprint: string;
      /**
       * `grace-period-over`: retired by time; `no-traffic`: two silent traffic checks;
       * `restore-window-over`: revoked earlier and not restored; `key-limit`: made room.
       */
      reason:
        | 'grace-period-over'
        | 'no-traffic'
        | 'restore-window-over'
        | 'key-limit';
    }
  | {
      /** An old key past its grace period is still used (notified once per episode). */
      type: 'key.in-use';
      bindingId: string;
      keyFingerprint: string;
      traffic: KeyTrafficRecord;
      deadlineAt: Date;
    }
  | {
      /** An old key past its grace period waits: analytics did not answer. */
      type: 'key.retirement-waiting';
      bindingId: string;
      keyFingerprint: string;
      reason: string;
      deadlineAt: Date;
    }
  | {
      type: 'key.revoked';
      bindingId: string;
      keyFingerprint: string;
      /** `deadline`: still in use at its deadline; `owner`: revoke now; `rotation`: rotate and revoke. */
      reason: 'deadline' | 'owner' | 'rotation';
      actor?: string;
      restorableUntil: Date;
    }
  | {
      type: 'key.restored';
      bindingId: string;
      keyFingerprint: string;
      actor: string;
      deadlineAt: Date;
    }
  | {
      type: 'rotation.paused';
      bindingId: string;
      actor: string;
      reason: string;
    }
  | {
      type: 'rotation.resumed';
      bindingId: string;
      actor: string;
    };
