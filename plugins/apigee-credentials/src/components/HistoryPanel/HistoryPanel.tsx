import { useCallback, useEffect, useState } from 'react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import type { CompoundEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import type { RotationSummary } from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { apigeeCredentialsApiRef } from '../../api/ref';
import { StatusLabel } from '../shared/StatusLabel';
import { formatAbsolute, formatActor, formatRelative } from '../shared/format';
import { ROTATION_OUTCOME, describeTrigger } from '../shared/status';

/** Rotations fetched per page. */
export const HISTORY_PAGE_SIZE = 10;

interface HistoryState {
  items: RotationSummary[];
  nextCursor?: string;
  loading: boolean;
  error?: Error;
}

function HistoryRow(props: { rotation: RotationSummary }) {
  const { rotation } = props;
  const outcome = ROTATION_OUTCOME[rotation.status];
  return (
    <TableRow data-testid={`history-row-${rotation.id}`}>
      <TableCell title={formatAbsolute(rotation.startedAt)}>
        {formatRelative(rotation.startedAt)}
      </TableCell>
      <TableCell>{describeTrigger(rotation, formatActor)}</TableCell>
      <TableCell>
        <StatusLabel tone={outcome.tone} label={outcome.label} />
        {rotation.error ? (
          <Typography variant="caption" display="block" color="error">
            {rotation.error}
          </Typography>
        ) : null}
      </TableCell>
      <TableCell>{rotation.phase}</TableCell>
      <TableCell>
        <code>{rotation.oldKeyFingerprint ?? '–'}</code>
        {' → '}
        <code>{rotation.newKeyFingerprint ?? '–'}</code>
      </TableCell>
    </TableRow>
  );
}

/** The rotation history of one binding, newest first, fetched a page at a time. */
export function HistoryPanel(props: {
  entityRef: CompoundEntityRef;
  bindingId: string;
  environment: string;
}) {
  const { entityRef, bindingId, environment } = props;
  const api = useApi(apigeeCredentialsApiRef);
  const [state, setState] = useState<HistoryState>({
    items: [],
    loading: true,
  });

  const load = useCallback(
    async (cursor?: string) => {
      setState(previous => ({ ...previous, loading: true, error: undefined }));
      try {
        const page = await api.getRotationHistory(entityRef, bindingId, {
          cursor,
          limit: HISTORY_PAGE_SIZE,
        });
        setState(previous => ({
          items: cursor ? [...previous.items, ...page.items] : page.items,
          nextCursor: page.nextCursor,
          loading: false,
        }));
      } catch (error) {
        setState(previous => ({
          ...previous,
          loading: false,
          error: error as Error,
        }));
      }
    },
    [api, entityRef, bindingId],
  );

  useEffect(() => {
    load();
  }, [load]);

  const { items, nextCursor, loading, error } = state;
  return (
    <Box data-testid={`history-${environment}`} py={1}>
      <Typography variant="subtitle2" gutterBottom>
        Rotation history of {environment}
      </Typography>
      {items.length > 0 ? (
        <Table size="small" aria-label={`Rotation history of ${environment}`}>
          <TableHead>
            <TableRow>
              <TableCell>Started</TableCell>
              <TableCell>Trigger</TableCell>
              <TableCell>Outcome</TableCell>
              <TableCell>Phase</TableCell>
              <TableCell>Key (old → new)</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {items.map(rotation => (
              <HistoryRow key={rotation.id} rotation={rotation} />
            ))}
          </TableBody>
        </Table>
      ) : null}
      {!loading && !error && items.length === 0 ? (
        <Typography variant="body2">No rotations yet.</Typography>
      ) : null}
      {loading ? <Progress /> : null}
      {error ? <ResponseErrorPanel error={error} /> : null}
      {nextCursor && !loading ? (
        <Button size="small" onClick={() => load(nextCursor)}>
          Load older rotations
        </Button>
      ) : null}
    </Box>
  );
}
