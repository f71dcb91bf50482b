import Chip from '@material-ui/core/Chip';
import { makeStyles } from '@material-ui/core/styles';
import type { OldKeyState } from '@keyrotation/backstage-plugin-apigee-credentials-common';
import type { StatusTone } from '../shared/status';
import { OLD_KEY_STATE } from './describeOldKey';

const useStyles = makeStyles(theme => {
  const tone = (color: string) => ({ color, borderColor: color });
  return {
    chip: { fontWeight: theme.typography.fontWeightMedium as number },
    ok: tone(theme.palette.success.main),
    warning: tone(theme.palette.warning.dark),
    error: tone(theme.palette.error.main),
    running: tone(theme.palette.info.main),
    pending: tone(theme.palette.text.secondary),
  };
});

/** The state of an old key as an outlined chip: its words, coloured by how much it needs a look. */
export function OldKeyStateChip(props: {
  state: OldKeyState;
  'data-testid'?: string;
}) {
  const classes = useStyles();
  // A state added to the backend later still shows, in its own words.
  const { label, tone }: { label: string; tone: StatusTone } = OLD_KEY_STATE[
    props.state
  ] ?? { label: props.state, tone: 'pending' };
  return (
    <Chip
      size="small"
      variant="outlined"
      label={label}
      className={`${classes.chip} ${classes[tone]}`}
      data-testid={props['data-testid']}
    />
  );
}
