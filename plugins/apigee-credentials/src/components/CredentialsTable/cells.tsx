import Typography from '@material-ui/core/Typography';
import type {
  CredentialSummary,
  PendingKeyDeletion,
  RotationPause,
  RotationSummary,
} from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { PausedChip } from '../PauseSchedule';
import { StatusLabel } from '../shared/StatusLabel';
import { formatAbsolute, formatActor, formatRelative } from '../shared/format';
import { ROTATION_OUTCOME, describeTrigger } from '../shared/status';

const NOWRAP = { whiteSpace: 'nowrap' } as const;

/** The key fingerprint, exactly as the backend gives it. */
export function FingerprintCell(props: { credential: CredentialSummary }) {
  const { credential } = props;
  return credential.keyFingerprint ? (
    <code data-testid={`fingerprint-${credential.environment}`} style={NOWRAP}>
      {credential.keyFingerprint}
    </code>
  ) : (
    <Typography variant="body2" component="span" color="textSecondary">
      {credential.status === 'unverified' ? 'Not shown' : 'No key'}
    </Typography>
  );
}

/** "Succeeded 3 days ago by guest". */
export function LastRotationCell(props: { rotation?: RotationSummary }) {
  const { rotation } = props;
  if (!rotation) {
    return (
      <Typography variant="body2" component="span" color="textSecondary">
        Never rotated
      </Typography>
    );
  }
  const outcome = ROTATION_OUTCOME[rotation.status];
  const when = rotation.finishedAt ?? rotation.startedAt;
  return (
    <span style={{ display: 'inline-flex', alignItems: 'center', gap: 4 }}>
      <StatusLabel tone={outcome.tone} label={outcome.label} />
      <Typography variant="body2" component="span" title={formatAbsolute(when)}>
        {formatRelative(when)} {describeTrigger(rotation, formatActor)}
      </Typography>
    </span>
  );
}

/** When the schedule will next rotate the key; "Paused" while an owner paused it. */
export function NextRotationCell(props: {
  nextRotationAt?: string;
  paused?: RotationPause;
  'data-testid'?: string;
}) {
  const { nextRotationAt, paused } = props;
  if (paused) {
    return <PausedChip pause={paused} data-testid={props['data-testid']} />;
  }
  if (!nextRotationAt) {
    return (
      <Typography variant="body2" color="textSecondary" style={NOWRAP}>
        Not scheduled
      </Typography>
    );
  }
  return (
    <Typography
      variant="body2"
      title={formatAbsolute(nextRotationAt)}
      style={NOWRAP}
    >
      {formatRelative(nextRotationAt)}
    </Typography>
  );
}

/** Old keys still valid during their grace period, with when they will be deleted. */
export function PendingDeletionsCell(props: {
  pendingDeletions: PendingKeyDeletion[];
  environment: string;
}) {
  const { pendingDeletions, environment } = props;
  if (pendingDeletions.length === 0) {
    return (
      <Typography variant="body2" component="span" color="textSecondary">
        None
      </Typography>
    );
  }
  return (
    <ul
      data-testid={`pending-deletions-${environment}`}
      style={{ margin: 0, padding: 0, listStyle: 'none', display: 'inline' }}
    >
      {pendingDeletions.map(deletion => (
        <li key={deletion.keyFingerprint} style={{ display: 'inline' }}>
          <code style={NOWRAP}>{deletion.keyFingerprint}</code>{' '}
          <Typography
            variant="body2"
            component="span"
            title={formatAbsolute(deletion.dueAt)}
          >
            deletion due {formatRelative(deletion.dueAt)}
          </Typography>{' '}
        </li>
      ))}
    </ul>
  );
}
