import Box from '@material-ui/core/Box';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import type { CompoundEntityRef } from '@backstage/catalog-model';
import type {
  CredentialSummary,
  OldKeySummary,
} from '@keyrotation/backstage-plugin-apigee-credentials-common';
import type { RowNotice } from '../CredentialActions/notice';
import { formatAbsolute, formatRelative } from '../shared/format';
import {
  describeDeadline,
  describeOldKey,
  shortFingerprint,
} from './describeOldKey';
import { OldKeyActions } from './OldKeyActions';
import { OldKeyStateChip } from './OldKeyStateChip';

/** Whether a credential has anything for the panel to show. */
export function hasOldKeysPanel(credential: CredentialSummary): boolean {
  // `?? []`: a backend from before traffic-based retirement sends no old keys.
  return (
    (credential.oldKeys ?? []).length > 0 ||
    credential.currentKeyFirstUsedAt !== undefined
  );
}

function OldKeyRow(props: {
  oldKey: OldKeySummary;
  credential: CredentialSummary;
  entityRef: CompoundEntityRef;
  canAct: boolean;
  onChanged: () => void;
  onNotice: (notice: RowNotice) => void;
}) {
  const { oldKey, credential, canAct } = props;
  const { environment } = credential;
  const short = shortFingerprint(oldKey.keyFingerprint);
  const byTime = credential.retireOldKeys === 'time';
  const deadline = describeDeadline(oldKey, byTime);
  return (
    <TableRow data-testid={`old-key-${environment}-${short}`}>
      <TableCell>
        <code style={{ whiteSpace: 'nowrap' }}>{oldKey.keyFingerprint}</code>
      </TableCell>
      <TableCell>
        <OldKeyStateChip
          state={oldKey.state}
          data-testid={`old-key-state-${environment}-${short}`}
        />
        <Typography variant="body2" component="div">
          {describeOldKey(oldKey, byTime)}
        </Typography>
      </TableCell>
      <TableCell title={formatAbsolute(oldKey.deadlineAt)}>
        {deadline ?? '–'}
      </TableCell>
      {canAct ? (
        <TableCell align="right">
          <OldKeyActions
            entityRef={props.entityRef}
            bindingId={credential.id}
            environment={environment}
            oldKey={oldKey}
            onChanged={props.onChanged}
            onNotice={props.onNotice}
          />
        </TableCell>
      ) : null}
    </TableRow>
  );
}

/**
 * The old keys of one credential on their way out (grace, traffic checks, revocation,
 * deletion), with what the last traffic check saw; and when the current key was first
 * used, so that owners see their consumers switch. Owners (`canAct`) can revoke an old
 * key now or restore a revoked one.
 */
export function OldKeysPanel(props: {
  entityRef: CompoundEntityRef;
  credential: CredentialSummary;
  canAct: boolean;
  onChanged: () => void;
  onNotice: (notice: RowNotice) => void;
}) {
  const { credential, canAct } = props;
  const { environment, currentKeyFirstUsedAt } = credential;
  const oldKeys = credential.oldKeys ?? [];
  return (
    <Box data-testid={`old-keys-${environment}`} py={1}>
      <Typography variant="subtitle2" gutterBottom>
        Old keys of {environment}
      </Typography>
      {currentKeyFirstUsedAt ? (
        <Typography
          variant="body2"
          data-testid={`current-key-first-used-${environment}`}
        >
          Current key: first traffic seen at{' '}
          {formatAbsolute(currentKeyFirstUsedAt)} (
          {formatRelative(currentKeyFirstUsedAt)}).
        </Typography>
      ) : null}
      {credential.retireOldKeys === 'time' ? (
        <Typography
          variant="body2"
          color="textSecondary"
          data-testid={`retired-by-time-${environment}`}
        >
          Old keys of this credential are retired by time: each is deleted when
          its grace period ends, whether or not something still calls with it.
        </Typography>
      ) : null}
      {oldKeys.length > 0 ? (
        <Table size="small" aria-label={`Old keys of ${environment}`}>
          <TableHead>
            <TableRow>
              <TableCell>Key</TableCell>
              <TableCell>State</TableCell>
              <TableCell>Deadline</TableCell>
              {canAct ? <TableCell align="right">Actions</TableCell> : null}
            </TableRow>
          </TableHead>
          <TableBody>
            {oldKeys.map(oldKey => (
              <OldKeyRow
                key={oldKey.keyFingerprint}
                oldKey={oldKey}
                credential={credential}
                entityRef={props.entityRef}
                canAct={canAct}
                onChanged={props.onChanged}
                onNotice={props.onNotice}
              />
            ))}
          </TableBody>
        </Table>
      ) : null}
    </Box>
  );
}
