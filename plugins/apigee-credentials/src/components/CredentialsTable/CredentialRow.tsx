import { ReactNode, useCallback, useState } from 'react';
import Box from '@material-ui/core/Box';
import IconButton from '@material-ui/core/IconButton';
import TableCell from '@material-ui/core/TableCell';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import HistoryIcon from '@material-ui/icons/History';
import type { CompoundEntityRef } from '@backstage/catalog-model';
import type { CredentialSummary } from '@keyrotation/backstage-plugin-apigee-credentials-common';
import type { RotateRejection } from '../../api/rotateRejection';
import { ApproveButton, CheckNowButton, RowNotice } from '../CredentialActions';
import { HistoryPanel } from '../HistoryPanel';
import {
  OldKeysPanel,
  hasOldKeysPanel,
  summarizeOldKeys,
} from '../OldKeysPanel';
import { PausedNotice, ScheduleControl } from '../PauseSchedule';
import { RotateButton, RotationProgress } from '../RotateButton';
import { AgeGauge } from '../shared/AgeGauge';
import { StatusLabel } from '../shared/StatusLabel';
import { formatAbsolute, formatActor, formatRelative } from '../shared/format';
import { CREDENTIAL_STATUS, NOT_CHECKED } from '../shared/status';
import { StatusAdvice, hasAdvice } from './StatusAdvice';
import {
  FingerprintCell,
  LastRotationCell,
  NextRotationCell,
  PendingDeletionsCell,
} from './cells';

/** Environment, age, status, next rotation, actions; the rest is in the details line. */
export const COLUMN_COUNT = 5;

/** Whether the user may rotate, as far as the permission framework says. */
export interface RotatePermission {
  loading: boolean;
  allowed: boolean;
  /** Who may rotate, in words: "team-orders (the owners) or a platform admin". */
  whoMay: string;
}

const useStyles = makeStyles(theme => ({
  main: { '& > td, & > th': { borderBottom: 'none', verticalAlign: 'top' } },
  details: { '& > td': { paddingTop: 0 } },
  detailItems: {
    display: 'flex',
    flexWrap: 'wrap',
    columnGap: theme.spacing(4),
    rowGap: theme.spacing(0.5),
  },
  actions: {
    display: 'flex',
    justifyContent: 'flex-end',
    alignItems: 'center',
    flexWrap: 'nowrap',
    gap: theme.spacing(1),
  },
  // Leaves the right edge, where toasts appear, free.
  progress: { maxWidth: 640 },
}));

function disabledReason(
  credential: CredentialSummary,
  notChecked: boolean,
  permission: RotatePermission,
  rotationRunning: boolean,
): string | undefined {
  if (permission.loading) return 'Checking whether you may rotate…';
  if (!permission.allowed) {
    return `Only ${permission.whoMay} may rotate this credential.`;
  }
  if (notChecked) {
    return 'Not checked yet: the plugin reads the key at its first check, within a minute of start-up.';
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
function DetailRow(props: { children: ReactNode; className?: string }) {
  return (
    <TableRow className={props.className}>
      <TableCell colSpan={COLUMN_COUNT} style={{ borderBottom: 'none' }}>
        {props.children}
      </TableCell>
    </TableRow>
  );
}

/** "Key: sha256:…" in the details line. */
function Detail(props: { label: string; children: ReactNode }) {
  return (
    <Typography variant="body2" component="div">
      <Typography variant="body2" component="span" color="textSecondary">
        {props.label}:
      </Typography>{' '}
      {props.children}
    </Typography>
  );
}

/**
 * One binding: its environment, age, status and next rotation at a glance, with its actions;
 * under it the key, last rotation, old keys and what to do; on demand its history. Holds the
 * state of a rotation started from here.
 */
export function CredentialRow(props: {
  entityRef: CompoundEntityRef;
  credential: CredentialSummary;
  /** Listed from the annotation or by the backend, but not checked in Apigee and AWS yet. */
  notChecked?: boolean;
  /** Whether the backend knows the binding (false for a row made from the annotation). */
  known?: boolean;
  gracePeriodMs?: number;
  permission: RotatePermission;
  /** Whether the user has the admin permission (may approve unverified bindings). */
  isAdmin: boolean;
  runbookUrl?: string;
  onChanged: () => void;
}) {
  const { entityRef, credential, gracePeriodMs, permission, isAdmin } = props;
  const { onChanged, runbookUrl, notChecked = false, known = true } = props;
  const { environment } = credential;
  const classes = useStyles();
  const [historyOpen, setHistoryOpen] = useState(false);
  const [startedRotationId, setStartedRotationId] = useState<string>();
  // Whether the rotation started here also revokes the current key (for its outcome).
  const [revokesOldKey, setRevokesOldKey] = useState(false);
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

  const onStarted = useCallback(
    (rotationId: string, options: { revokeOldKey: boolean }) => {
      setRejection(undefined);
      setNotice(undefined);
      setRevokesOldKey(options.revokeOldKey);
      setStartedRotationId(rotationId);
    },
    [],
  );

  // Shown under the row, like the outcome of Check now.
  const onActionFailed = useCallback((next: RowNotice) => setNotice(next), []);

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

  const status = notChecked
    ? NOT_CHECKED
    : CREDENTIAL_STATUS[credential.status];
  // Owner actions on a binding the backend knows and has checked: the same test as Check now.
  const ownerActions =
    permission.allowed &&
    known &&
    !notChecked &&
    credential.status !== 'misconfigured';

  return (
    <>
      <TableRow
        data-testid={`credential-row-${environment}`}
        className={classes.main}
      >
        <TableCell component="th" scope="row">
          <Typography variant="subtitle2" style={{ whiteSpace: 'nowrap' }}>
            {environment}
          </Typography>
          {credential.app ? (
            <Typography variant="caption" color="textSecondary">
              {credential.app}
            </Typography>
          ) : null}
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
          <NextRotationCell
            nextRotationAt={credential.nextRotationAt}
            paused={credential.paused}
            data-testid={`paused-chip-${environment}`}
          />
          {ownerActions ? (
            <ScheduleControl
              entityRef={entityRef}
              credential={credential}
              onChanged={onChanged}
              onNotice={onActionFailed}
            />
          ) : null}
        </TableCell>
        <TableCell align="right">
          <div className={classes.actions}>
            <RotateButton
              entityRef={entityRef}
              credential={credential}
              gracePeriodMs={gracePeriodMs}
              disabledReason={disabledReason(
                credential,
                notChecked,
                permission,
                rotationRunning,
              )}
              onStarted={onStarted}
              onRejected={onRejected}
            />
            {permission.allowed &&
            known &&
            credential.status !== 'misconfigured' ? (
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
              title={`${historyOpen ? 'Hide' : 'Show'} history`}
              onClick={() => setHistoryOpen(open => !open)}
            >
              <HistoryIcon />
            </IconButton>
          </div>
        </TableCell>
      </TableRow>
      <DetailRow className={classes.details}>
        <Box
          className={classes.detailItems}
          data-testid={`credential-details-${environment}`}
        >
          <Detail label="Key">
            <FingerprintCell credential={credential} />
          </Detail>
          <Detail label="Last rotation">
            <LastRotationCell rotation={credential.lastRotation} />
          </Detail>
          <Detail label="Old keys">
            {/* Backends before traffic-based retirement list pending deletions only. The
                summary keeps their test id, on which end-to-end tests wait. */}
            {credential.oldKeys?.length ? (
              <span data-testid={`pending-deletions-${environment}`}>
                {summarizeOldKeys(credential.oldKeys)}
              </span>
            ) : (
              <PendingDeletionsCell
                pendingDeletions={credential.pendingDeletions}
                environment={environment}
              />
            )}
          </Detail>
          <Detail label="Checked">
            <span title={formatAbsolute(credential.checkedAt)}>
              {formatRelative(credential.checkedAt) ?? 'not yet'}
            </span>
          </Detail>
          {credential.approval ? (
            <Detail label="Approved">
              by {formatActor(credential.approval.by)}{' '}
              <span title={formatAbsolute(credential.approval.at)}>
                {formatRelative(credential.approval.at)}
              </span>
            </Detail>
          ) : null}
        </Box>
        {credential.paused ? (
          <Box mt={1}>
            <PausedNotice pause={credential.paused} environment={environment} />
          </Box>
        ) : null}
        {!notChecked && hasAdvice(credential) ? (
          <Box mt={1}>
            <StatusAdvice credential={credential} runbookUrl={runbookUrl} />
          </Box>
        ) : null}
        {notChecked ? (
          <Box mt={1}>
            <Typography
              variant="body2"
              data-testid={`status-advice-${environment}`}
            >
              Listed from the entity's annotation. The plugin has not looked at
              this key in Apigee and AWS yet; its first check runs within a
              minute of start-up, and this page updates by itself.
            </Typography>
          </Box>
        ) : null}
      </DetailRow>
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
          <Box className={classes.progress}>
            <RotationProgress
              key={followedRotationId}
              rotationId={followedRotationId}
              environment={environment}
              revokesOldKey={
                followedRotationId === startedRotationId && revokesOldKey
              }
              onFinished={onFinished}
            />
          </Box>
        </DetailRow>
      ) : null}
      {!notChecked && hasOldKeysPanel(credential) ? (
        <DetailRow>
          <OldKeysPanel
            entityRef={entityRef}
            credential={credential}
            canAct={ownerActions}
            onChanged={onChanged}
            onNotice={onActionFailed}
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
      <TableRow aria-hidden>
        <TableCell colSpan={COLUMN_COUNT} style={{ padding: 0 }} />
      </TableRow>
    </>
  );
}
