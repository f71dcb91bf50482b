import Box from '@material-ui/core/Box';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { Progress } from '@backstage/core-components';
import { ResponseError } from '@backstage/errors';
import type { KeyTrafficSummary } from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { formatAbsolute, formatRelative } from '../shared/format';
import { describeWindow } from './describeOldKey';

function errorMessage(error: Error): string {
  return ResponseError.is(error)
    ? error.cause.message || error.message
    : error.message;
}

/** Why the figures are missing: analytics down or not configured (503), or another error. */
function TrafficUnknown(props: { error: Error }) {
  const { error } = props;
  const unavailable = ResponseError.is(error) && error.statusCode === 503;
  return (
    <Typography variant="body2" color="error" data-testid="traffic-unknown">
      {unavailable
        ? `Apigee analytics cannot say whether this key is still used: ${errorMessage(
            error,
          )}.`
        : `Could not read the traffic of this key: ${errorMessage(
            error,
          )}.`}{' '}
      Revoking it blind may cut off a consumer that still uses it.
    </Typography>
  );
}

function Sources(props: { sources: KeyTrafficSummary['sources'] }) {
  return (
    <Table size="small" aria-label="Calls by proxy and client">
      <TableHead>
        <TableRow>
          <TableCell>Proxy</TableCell>
          <TableCell>Client</TableCell>
          <TableCell align="right">Calls</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {props.sources.map((source, index) => (
          <TableRow key={`${source.proxy}-${source.client}-${index}`}>
            <TableCell>{source.proxy ?? '–'}</TableCell>
            <TableCell>{source.client ?? '–'}</TableCell>
            <TableCell align="right">{source.calls}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/**
 * The calls seen with an old key, asked of Apigee analytics when the dialog opened: the
 * figures an owner weighs before revoking it.
 */
export function TrafficFigures(props: {
  loading: boolean;
  traffic?: KeyTrafficSummary;
  error?: Error;
}) {
  const { loading, traffic, error } = props;
  if (loading) {
    return (
      <Box data-testid="traffic-loading">
        <Typography variant="body2">
          Asking Apigee analytics for calls with this key…
        </Typography>
        <Progress />
      </Box>
    );
  }
  if (error) return <TrafficUnknown error={error} />;
  if (!traffic) return null;
  return (
    <Box data-testid="traffic-figures">
      <Typography variant="body2" gutterBottom>
        <strong>
          {traffic.calls === 1 ? '1 call' : `${traffic.calls} calls`}
        </strong>{' '}
        in {describeWindow(traffic)} (from {formatAbsolute(traffic.windowStart)}{' '}
        to {formatAbsolute(traffic.checkedAt)})
        {traffic.lastCallAt ? (
          <>
            ; last call{' '}
            <span title={formatAbsolute(traffic.lastCallAt)}>
              {formatRelative(traffic.lastCallAt)}
            </span>
          </>
        ) : null}
        .
      </Typography>
      {traffic.sources.length > 0 ? (
        <Sources sources={traffic.sources} />
      ) : null}
    </Box>
  );
}
