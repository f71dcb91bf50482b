import type { Entity } from '@backstage/catalog-model';
import type {
  CredentialStatus,
  CredentialSummary,
  RotationSummary,
} from '@keyrotation/backstage-plugin-apigee-credentials-common';

const DAY_MS = 24 * 3600 * 1000;

/** An ISO time `days` from now (negative: in the past). */
export const daysFromNow = (days: number) =>
  new Date(Date.now() + days * DAY_MS).toISOString();

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
