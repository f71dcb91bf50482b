import { ReactNode, useCallback, useState } from 'react';
import IconButton from '@material-ui/core/IconButton';
import TableCell from '@material-ui/core/TableCell';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import ExpandLessIcon from '@material-ui/icons/ExpandLess';
import ExpandMoreIcon from '@material-ui/icons/ExpandMore';
import type { CompoundEntityRef } from '@backstage/catalog-model';
import type { CredentialSummary } from '@keyrotation/backstage-plugin-apigee-credentials-common';
import type { RotateRejection } from '../../api/rotateRejection';
import { ApproveButton, CheckNowButton, RowNotice } from '../CredentialActions';
import { HistoryPanel } from '../HistoryPanel';
import { RotateButton, RotationProgress } from '../RotateButton';
import { AgeGauge } from '../shared/AgeGauge';
import { StatusLabel } from '../shared/StatusLabel';
import { CREDENTIAL_STATUS } from '../shared/status';
import { StatusAdvice, hasAdvice } from './StatusAdvice';
import {
  FingerprintCell,
  LastRotationCell,
  NextRotationCell,
  PendingDeletionsCell,
} from './cells';

export const COLUMN_COUNT = 8;

/** Whether the user may rotate, as far as the permission framework says. */
export interface RotatePermission {
  loading: boolean;
  allowed: boolean;
}

function disabledReason(
  credential: CredentialSummary,
  permission: RotatePermission,
  rotationRunning: boolean,
): string | undefined {
  if (permission.loading) return 'Checking whether you may rotate…';
  if (!permission.allowed) {
    return "You don't have permission to rotate this entity's credentials. Ask its owners or a platform admin.";
  }
  if (credential.status === 'misconfigured') {
    return 'Fix the binding annotation before rotating.';
  }
  if (credential.status === 'unverified') {
    return 'Not proven to belong to this entity: set the ownership marks and press Check now, or ask a platform admin to approve it.';
  }
  if (rotationRunning || credential.status === 'rotating') {
    return 'A rotation of this credential is already running.';
  }
  return undefined;
}

/** A full-width row under a binding's main row. */
function DetailRow(props: { children: ReactNode }) {
  return (
    <TableRow>
      <TableCell colSpan={COLUMN_COUNT} style={{ borderBottom: 'none' }}>
        {props.children}
      </TableCell>
    </TableRow>
  );
}

/**
 * One binding: its key, age, status and rotations, the Rotate button and, on demand,
 * its history. Holds the state of a rotation started from here.
 */
export function CredentialRow(props: {
  entityRef: CompoundEntityRef;
  credential: CredentialSummary;
  gracePeriodMs?: number;
  permission: RotatePermission;
  /** Whether the user has the admin permission (may approve unverified bindings). */
  isAdmin: boolean;
  onChanged: () => void;
}) {
  const { entityRef, credential, gracePeriodMs, permission, isAdmin } = props;
  const { onChanged } = props;
  const { environment } = credential;
  const [historyOpen, setHistoryOpen] = useState(false);
  const [startedRotationId, setStartedRotationId] = useState<string>();
  const [finishedRotationId, setFinishedRotationId] = useState<string>();
  const [rejection, setRejection] = useState<RotateRejection>();
  const [notice, setNotice] = useState<RowNotice>();

  // A rotation started elsewhere (the schedule, another user, before a reload) is
  // followed too, when the backend says which one is running.
  const runningOnServer =
    credential.status === 'rotating' &&
    credential.lastRotation?.status === 'running'
      ? credential.lastRotation.id
      : undefined;
  const followedRotationId = startedRotationId ?? runningOnServer;
  const rotationRunning =
    followedRotationId !== undefined &&
    followedRotationId !== finishedRotationId;

  const onNotice = useCallback(
    (next: RowNotice) => {
      setNotice(next);
      onChanged();
    },
    [onChanged],
  );

  const onStarted = useCallback((rotationId: string) => {
    setRejection(undefined);
    setNotice(undefined);
    setStartedRotationId(rotationId);
  }, []);

  const onRejected = useCallback(
    (next: RotateRejection) => {
      setRejection(next);
      if (next.kind === 'conflict') {
        if (next.rotationId) setStartedRotationId(next.rotationId);
        else onChanged();
      }
    },
    [onChanged],
  );

  const onFinished = useCallback(
    (rotation: { id: string }) => {
      setFinishedRotationId(rotation.id);
      setRejection(undefined);
      onChanged();
    },
    [onChanged],
  );

  const status = CREDENTIAL_STATUS[credential.status];
  const HistoryIcon = historyOpen ? ExpandLessIcon : ExpandMoreIcon;

  return (
    <>
      <TableRow data-testid={`credential-row-${environment}`}>
        <TableCell component="th" scope="row">
          <Typography variant="subtitle2">{environment}</Typography>
          {credential.app ? (
            <Typography variant="caption" color="textSecondary">
              {credential.app}
            </Typography>
          ) : null}
        </TableCell>
        <TableCell>
          <FingerprintCell credential={credential} />
        </TableCell>
        <TableCell>
          <AgeGauge
            ageDays={credential.ageDays}
            maxAgeDays={credential.maxAgeDays}
            keyName={environment}
            data-testid={`credential-age-${environment}`}
          />
        </TableCell>
        <TableCell>
          <StatusLabel
            tone={status.tone}
            label={status.label}
            data-testid={`credential-status-${environment}`}
          />
        </TableCell>
        <TableCell>
          <LastRotationCell rotation={credential.lastRotation} />
        </TableCell>
        <TableCell>
          <NextRotationCell nextRotationAt={credential.nextRotationAt} />
        </TableCell>
        <TableCell>
          <PendingDeletionsCell
            pendingDeletions={credential.pendingDeletions}
            environment={environment}
          />
        </TableCell>
        <TableCell align="right" style={{ whiteSpace: 'nowrap' }}>
          <RotateButton
            entityRef={entityRef}
            credential={credential}
            gracePeriodMs={gracePeriodMs}
            disabledReason={disabledReason(
              credential,
              permission,
              rotationRunning,
            )}
            onStarted={onStarted}
            onRejected={onRejected}
          />
          {permission.allowed ? (
            <CheckNowButton
              entityRef={entityRef}
              credential={credential}
              onChecked={onNotice}
            />
          ) : null}
          {isAdmin && credential.status === 'unverified' ? (
            <ApproveButton
              entityRef={entityRef}
              credential={credential}
              onApproved={onNotice}
            />
          ) : null}
          <IconButton
            size="small"
            aria-label={`${
              historyOpen ? 'Hide' : 'Show'
            } history of ${environment}`}
            aria-expanded={historyOpen}
            onClick={() => setHistoryOpen(open => !open)}
          >
            <HistoryIcon />
          </IconButton>
        </TableCell>
      </TableRow>
      {hasAdvice(credential) ? (
        <DetailRow>
          <StatusAdvice credential={credential} />
        </DetailRow>
      ) : null}
      {rejection ? (
        <DetailRow>
          <Typography
            variant="body2"
            role="alert"
            color={
              rejection.kind === 'error' || rejection.kind === 'denied'
                ? 'error'
                : 'textPrimary'
            }
            data-testid={`rotate-notice-${environment}`}
          >
            {rejection.message}
          </Typography>
        </DetailRow>
      ) : null}
      {notice ? (
        <DetailRow>
          <Typography
            variant="body2"
            role={notice.tone === 'error' ? 'alert' : 'status'}
            color={notice.tone === 'error' ? 'error' : 'textPrimary'}
            data-testid={`action-notice-${environment}`}
          >
            {notice.message}
          </Typography>
        </DetailRow>
      ) : null}
      {followedRotationId ? (
        <DetailRow>
          <RotationProgress
            key={followedRotationId}
            rotationId={followedRotationId}
            environment={environment}
            onFinished={onFinished}
          />
        </DetailRow>
      ) : null}
      {historyOpen ? (
        <DetailRow>
          <HistoryPanel
            entityRef={entityRef}
            bindingId={credential.id}
            environment={environment}
          />
        </DetailRow>
      ) : null}
    </>
  );
}
