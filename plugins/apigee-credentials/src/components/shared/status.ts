import type {
  CredentialStatus,
  RotationStatus,
  RotationSummary,
} from '@keyrotation/backstage-plugin-apigee-credentials-common';

/** How a status is drawn: which core-components status icon it uses. */
export type StatusTone = 'ok' | 'warning' | 'error' | 'running' | 'pending';

interface StatusPresentation {
  label: string;
  tone: StatusTone;
  /** Higher is worse; the summary card shows the worst status of an entity. */
  severity: number;
}

export const CREDENTIAL_STATUS: Record<CredentialStatus, StatusPresentation> = {
  ok: { label: 'Up to date', tone: 'ok', severity: 0 },
  rotating: { label: 'Rotating', tone: 'running', severity: 1 },
  'due-soon': { label: 'Due soon', tone: 'warning', severity: 2 },
  overdue: { label: 'Overdue', tone: 'error', severity: 3 },
  misconfigured: { label: 'Misconfigured', tone: 'error', severity: 4 },
  // Not proven to be this entity's: nothing is rotated until its owners mark it.
  unverified: { label: 'Unverified', tone: 'warning', severity: 4 },
  failed: { label: 'Last rotation failed', tone: 'error', severity: 5 },
  // The key the application reads is not usable: the worst case.
  drift: { label: 'Drift', tone: 'error', severity: 6 },
};

/** A binding the plugin has not looked at in Apigee and AWS yet. */
export const NOT_CHECKED: StatusPresentation = {
  label: 'Not checked yet',
  tone: 'pending',
  severity: 0,
};

/**
 * Whether the backend has not checked the binding yet: it lists it but knows nothing about
 * the key. (Before its first sync the backend reports it as misconfigured "not synced yet".)
 */
export function isNotChecked(credential: {
  status: CredentialStatus;
  statusReason?: string;
  checkedAt?: string;
  keyFingerprint?: string;
  ageDays?: number;
}): boolean {
  if (credential.checkedAt || credential.keyFingerprint) return false;
  if (credential.status === 'ok') return credential.ageDays === undefined;
  return (
    credential.status === 'misconfigured' &&
    /has not been synced yet/.test(credential.statusReason ?? '')
  );
}

export const ROTATION_OUTCOME: Record<
  RotationStatus,
  { label: string; tone: StatusTone }
> = {
  running: { label: 'Running', tone: 'running' },
  succeeded: { label: 'Succeeded', tone: 'ok' },
  failed: { label: 'Failed', tone: 'error' },
  'rolled-back': { label: 'Rolled back', tone: 'warning' },
};

/** "by guest", "by the schedule", "at provisioning". */
export function describeTrigger(
  rotation: Pick<RotationSummary, 'trigger' | 'actor'>,
  formatActor: (actor: string) => string,
): string {
  switch (rotation.trigger) {
    case 'schedule':
      return 'by the schedule';
    case 'provision':
      return 'at provisioning';
    default:
      return rotation.actor ? `by ${formatActor(rotation.actor)}` : 'manually';
  }
}
