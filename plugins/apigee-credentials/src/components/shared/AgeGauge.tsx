import LinearProgress from '@material-ui/core/LinearProgress';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { formatDays } from './format';

// Past this share of the maximum age the bar turns amber: rotation is near.
const WARNING_RATIO = 0.8;

const useStyles = makeStyles(theme => ({
  root: { minWidth: 120 },
  bar: { height: 6, borderRadius: 3, marginTop: theme.spacing(0.5) },
  ok: { backgroundColor: theme.palette.success.main },
  warning: { backgroundColor: theme.palette.warning.main },
  error: { backgroundColor: theme.palette.error.main },
}));

/**
 * The age of a key in days, with a bar that fills up towards the maximum age
 * (green, then amber near the limit, red past it).
 */
export function AgeGauge(props: {
  ageDays?: number;
  maxAgeDays?: number;
  /** Which key this is, for screen readers: "prod", "prod of component:default/x". */
  keyName: string;
  'data-testid'?: string;
}) {
  const { ageDays, maxAgeDays, keyName } = props;
  const classes = useStyles();
  if (ageDays === undefined) {
    return <Typography variant="body2">Unknown</Typography>;
  }
  const ratio = maxAgeDays ? ageDays / maxAgeDays : undefined;
  let tone = classes.ok;
  if (ratio !== undefined && ratio >= 1) tone = classes.error;
  else if (ratio !== undefined && ratio >= WARNING_RATIO)
    tone = classes.warning;
  return (
    <div className={classes.root}>
      <Typography variant="body2" data-testid={props['data-testid']}>
        {formatDays(ageDays)}
      </Typography>
      {maxAgeDays ? (
        <>
          <LinearProgress
            variant="determinate"
            value={Math.min(100, Math.round((ratio ?? 0) * 100))}
            aria-label={`Age of the ${keyName} key against its maximum of ${formatDays(
              maxAgeDays,
            )}`}
            classes={{ root: classes.bar, bar: tone }}
          />
          <Typography variant="caption" color="textSecondary">
            max {formatDays(maxAgeDays)}
          </Typography>
        </>
      ) : null}
    </div>
  );
}
