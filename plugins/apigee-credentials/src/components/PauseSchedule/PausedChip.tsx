import Chip from '@material-ui/core/Chip';
import PauseIcon from '@material-ui/icons/Pause';
import type { RotationPause } from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { formatActor } from '../shared/format';

/** "Paused", with who paused it and why on hover: for the next-rotation cells. */
export function PausedChip(props: {
  pause: RotationPause;
  'data-testid'?: string;
}) {
  const { pause } = props;
  return (
    <Chip
      size="small"
      variant="outlined"
      icon={<PauseIcon />}
      label="Paused"
      title={`Scheduled rotation paused by ${formatActor(pause.by)}: ${
        pause.reason
      }`}
      data-testid={props['data-testid']}
    />
  );
}
