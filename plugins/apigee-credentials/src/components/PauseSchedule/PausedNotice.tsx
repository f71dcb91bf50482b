import Typography from '@material-ui/core/Typography';
import PauseCircleOutlineIcon from '@material-ui/icons/PauseCircleOutline';
import type { RotationPause } from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { formatAbsolute, formatActor, formatRelative } from '../shared/format';

/**
 * "Scheduled rotation paused by jane 2 hours ago: release freeze." Said in full on the row,
 * so that nobody wonders why an overdue key is not rotated.
 */
export function PausedNotice(props: {
  pause: RotationPause;
  environment: string;
}) {
  const { pause, environment } = props;
  return (
    <Typography
      variant="body2"
      data-testid={`paused-${environment}`}
      style={{ display: 'flex', alignItems: 'center', gap: 4 }}
    >
      <PauseCircleOutlineIcon fontSize="small" aria-hidden />
      <span>
        <strong>Scheduled rotation paused by {formatActor(pause.by)}</strong>{' '}
        <span title={formatAbsolute(pause.at)}>{formatRelative(pause.at)}</span>
        : {pause.reason}. Manual rotation still works.
      </span>
    </Typography>
  );
}
