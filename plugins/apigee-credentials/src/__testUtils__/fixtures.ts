import type { Entity } from '@backstage/catalog-model';
import type {
  CredentialStatus,
  CredentialSummary,
  OldKeyState,
  OldKeySummary,
  RotationSummary,
} from '@keyrotation/backstage-plugin-apigee-credentials-common';

const DAY_MS = 24 * 3600 * 1000;
const MINUTE_MS = 60 * 1000;

/** An ISO time `days` from now (negative: in the past). */
export const daysFromNow = (days: number) =>
  new Date(Date.now() + days * DAY_MS).toISOString();

/** An ISO time `minutes` from now (negative: in the past). */
export const minutesFromNow = (minutes: number) =>
  new Date(Date.now() + minutes * MINUTE_MS).toISOString();

export const ENTITY_REF = 'component:default/orders-service';

/** A demo service bound to Apigee credentials in prod (36 h grace period). */
export const boundEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'orders-service',
    namespace: 'default',
    annotations: {
      'apigee.keyrotation.dev/prod': [
        'provider: apigee-edge',
        'developer: orders-team@example.com',
        'app: orders-service',
        'secret: arn:aws:secretsmanager:eu-west-1:111111111111:secret:orders-service/apigee-prod',
        'maxAge: 90d',
        'gracePeriod: 36h',
      ].join('\n'),
    },
  },
  spec: {
    type: 'service',
    owner: 'group:default/team-orders',
    lifecycle: 'production',
  },
};

/**
 * Another bound entity. Permission decisions are cached per entity by the permission
 * hooks (SWR) for the whole test file, so a test that denies a permission uses an
 * entity of its own.
 */
export const lockedEntity: Entity = {
  ...boundEntity,
  metadata: { ...boundEntity.metadata, name: 'locked-service' },
};

export const unboundEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'plain-service', namespace: 'default' },
  spec: {
    type: 'service',
    owner: 'group:default/team-orders',
    lifecycle: 'production',
  },
};

export function rotation(
  overrides: Partial<RotationSummary> = {},
): RotationSummary {
  return {
    id: 'rot-previous',
    bindingId: 'prod',
    status: 'succeeded',
    phase: 'completed',
    trigger: 'schedule',
    startedAt: daysFromNow(-12),
    finishedAt: daysFromNow(-12),
    oldKeyFingerprint: 'fp-0ld0ld',
    newKeyFingerprint: 'fp-1a2b3c',
    ...overrides,
  };
}

export function credential(
  overrides: Partial<CredentialSummary> = {},
): CredentialSummary {
  return {
    id: 'prod',
    entityRef: ENTITY_REF,
    environment: 'prod',
    provider: 'apigee-edge',
    app: 'orders-service',
    secret:
      'arn:aws:secretsmanager:eu-west-1:111111111111:secret:orders-service/apigee-prod',
    keyFingerprint: 'fp-1a2b3c',
    createdAt: daysFromNow(-12),
    ageDays: 12,
    maxAgeDays: 90,
    status: 'ok',
    lastRotation: rotation(),
    nextRotationAt: daysFromNow(78),
    pendingDeletions: [],
    oldKeys: [],
    retireOldKeys: 'traffic',
    ...overrides,
  };
}

/** What the tab must show for each credential status. */
export interface StatusCase {
  status: CredentialStatus;
  credential: CredentialSummary;
  /** The status words in the row. */
  label: string;
  /** Further texts that must be visible. */
  texts: Array<string | RegExp>;
  /** Whether the Rotate button is usable (given permission). */
  rotatable: boolean;
}

export const STATUS_CASES: StatusCase[] = [
  {
    status: 'ok',
    credential: credential({
      pendingDeletions: [
        { keyFingerprint: 'fp-0ld0ld', dueAt: daysFromNow(1) },
      ],
    }),
    label: 'Up to date',
    texts: [
      '12 days',
      'max 90 days',
      'in 78 days',
      /by the schedule/,
      'fp-0ld0ld',
      /deletion due in 24 hours/,
    ],
    rotatable: true,
  },
  {
    status: 'due-soon',
    credential: credential({
      status: 'due-soon',
      ageDays: 85,
      nextRotationAt: daysFromNow(5),
      lastRotation: rotation({ trigger: 'manual', actor: 'user:default/jane' }),
    }),
    label: 'Due soon',
    texts: ['85 days', 'in 5 days', /by jane/],
    rotatable: true,
  },
  {
    status: 'overdue',
    credential: credential({ status: 'overdue', ageDays: 97 }),
    label: 'Overdue',
    texts: ['97 days', /older than its maximum age/],
    rotatable: true,
  },
  {
    status: 'rotating',
    credential: credential({
      status: 'rotating',
      lastRotation: rotation({
        id: 'rot-running',
        status: 'running',
        phase: 'tested',
        trigger: 'schedule',
        startedAt: daysFromNow(0),
        finishedAt: undefined,
        newKeyFingerprint: undefined,
      }),
    }),
    label: 'Rotating',
    texts: ['Rotating prod: updating the secret'],
    rotatable: false,
  },
  {
    status: 'failed',
    credential: credential({
      status: 'failed',
      lastRotation: rotation({
        status: 'failed',
        phase: 'failed',
        trigger: 'schedule',
        error: 'The new key was not approved for product orders-api',
      }),
    }),
    label: 'Last rotation failed',
    texts: [
      /The new key was not approved for product orders-api/,
      /current key was kept and still works/,
    ],
    rotatable: true,
  },
  {
    status: 'drift',
    credential: credential({
      status: 'drift',
      statusReason: 'The key in the secret is revoked in Apigee',
    }),
    label: 'Drift',
    texts: [
      /The key in the secret is revoked in Apigee/,
      /then press Rotate to issue a fresh key/,
    ],
    rotatable: true,
  },
  {
    status: 'unverified',
    credential: credential({
      status: 'unverified',
      keyFingerprint: undefined,
      ageDays: undefined,
      maxAgeDays: undefined,
      createdAt: undefined,
      lastRotation: undefined,
      nextRotationAt: undefined,
      statusReason:
        'Not proven to belong to component:default/orders-service: the secret orders-service/apigee-prod has no tag "apigee-credentials:owner"',
    }),
    label: 'Unverified',
    texts: [
      /has no tag "apigee-credentials:owner"/,
      /Set them, then press Check now; or ask a platform admin to approve/,
    ],
    rotatable: false,
  },
  {
    status: 'misconfigured',
    credential: credential({
      status: 'misconfigured',
      keyFingerprint: undefined,
      ageDays: undefined,
      lastRotation: undefined,
      nextRotationAt: undefined,
      statusReason: 'provider "apigee-x" is not configured',
    }),
    label: 'Misconfigured',
    texts: [
      /provider "apigee-x" is not configured/,
      /Fix the annotation apigee.keyrotation.dev\/prod/,
      'Never rotated',
    ],
    rotatable: false,
  },
];

/** The fingerprint of the old key in the old-key fixtures, and its digits (in test ids). */
export const OLD_KEY_FINGERPRINT = 'sha256:0a1b2c3d4e5f';
export const OLD_KEY_SHORT = '0a1b2c3d4e5f';

export function oldKey(overrides: Partial<OldKeySummary> = {}): OldKeySummary {
  return {
    keyFingerprint: OLD_KEY_FINGERPRINT,
    state: 'in-grace',
    graceEndsAt: daysFromNow(-1),
    deadlineAt: daysFromNow(6),
    ...overrides,
  };
}

/**
 * Traffic of a key still used: 42 calls in the hour up to 5 minutes ago, last call 6 minutes ago.
 * Built at each use (a function, not a constant) so that "6 minutes ago" still holds when a slow
 * test file reaches it a minute after the module loaded (the tab rounds to the nearest minute).
 */
export const stillUsedTraffic = () => ({
  calls: 42,
  lastCallAt: minutesFromNow(-6),
  windowStart: minutesFromNow(-65),
  checkedAt: minutesFromNow(-5),
  sources: [
    { proxy: 'orders-v1', client: '10.0.0.7', calls: 40 },
    { client: '10.0.0.9', calls: 2 },
  ],
});

/** What the tab must show for an old key in each state. */
export interface OldKeyCase {
  name: string;
  state: OldKeyState;
  oldKey: OldKeySummary;
  /** The words of the state chip. */
  chip: string;
  /** The sentence under the chip. */
  text: RegExp;
  /** The deadline column. */
  deadline: string;
  /** The owner's action on the key, if any. */
  action?: 'Revoke now' | 'Restore';
}

export const OLD_KEY_CASES: OldKeyCase[] = [
  {
    name: 'in its grace period',
    state: 'in-grace',
    get oldKey() {
      return oldKey({ graceEndsAt: daysFromNow(20 / 24) });
    },
    chip: 'In grace',
    text: /^In grace until .+ \(in 20 hours\); then the plugin checks whether anything still calls with it\.$/,
    deadline: 'revoked in 6 days if still used',
    action: 'Revoke now',
  },
  {
    name: 'silent at the last check',
    state: 'checking',
    get oldKey() {
      return oldKey({
        state: 'checking',
        nextCheckAt: minutesFromNow(10.5),
        traffic: { ...stillUsedTraffic(), calls: 0, sources: [] },
      });
    },
    chip: 'Checking',
    text: /^No calls seen in the last hour\. Checked again in 10 minutes; deleted if still silent\.$/,
    deadline: 'revoked in 6 days if still used',
    action: 'Revoke now',
  },
  {
    name: 'still used',
    state: 'in-use',
    get oldKey() {
      return oldKey({
        state: 'in-use',
        deadlineAt: daysFromNow(3),
        traffic: stillUsedTraffic(),
      });
    },
    chip: 'Still used',
    text: /^Still used: 42 calls in the last hour, last call 6 minutes ago, by proxy orders-v1 from 10\.0\.0\.7 \(40 calls\), from 10\.0\.0\.9 \(2 calls\)\.$/,
    deadline: 'revoked in 3 days if still used',
    action: 'Revoke now',
  },
  {
    name: 'waiting for analytics',
    state: 'waiting-for-analytics',
    get oldKey() {
      return oldKey({
        state: 'waiting-for-analytics',
        reason: 'analytics is not configured for environment prod',
        nextCheckAt: minutesFromNow(30.5),
      });
    },
    chip: 'Waiting for analytics',
    text: /^Waiting for analytics: analytics is not configured for environment prod\. Never deleted on missing data; checked again in 30 minutes\.$/,
    deadline: 'revoked in 6 days if still used',
    action: 'Revoke now',
  },
  {
    name: 'revoked and restorable',
    state: 'revoked',
    get oldKey() {
      return oldKey({
        state: 'revoked',
        deadlineAt: daysFromNow(-2 / 24),
        revokedAt: daysFromNow(-2 / 24),
        revokedBy: 'user:default/jane',
        restorableUntil: daysFromNow(3),
      });
    },
    chip: 'Revoked',
    text: /^Revoked 2 hours ago by jane; restorable until .+ \(in 3 days\)\.$/,
    deadline: '–',
    action: 'Restore',
  },
  {
    name: 'revoked past its restore window',
    state: 'revoked',
    get oldKey() {
      return oldKey({
        state: 'revoked',
        revokedAt: daysFromNow(-4),
        restorableUntil: daysFromNow(-1),
      });
    },
    chip: 'Revoked',
    text: /^Revoked 4 days ago at its deadline; the restore window is over, so it is deleted next\.$/,
    deadline: '–',
  },
  {
    name: 'deleted',
    state: 'deleted',
    get oldKey() {
      return oldKey({ state: 'deleted', deletedAt: daysFromNow(-1) });
    },
    chip: 'Deleted',
    text: /^Deleted 24 hours ago\.$/,
    deadline: '–',
  },
  {
    name: 'blocked',
    state: 'blocked',
    get oldKey() {
      return oldKey({
        state: 'blocked',
        reason: 'The secret holds this key as AWSCURRENT.',
      });
    },
    chip: 'Blocked',
    text: /^Blocked: this key is in AWSCURRENT again, so it is never deleted\. The secret holds this key as AWSCURRENT\.$/,
    deadline: '–',
  },
];
