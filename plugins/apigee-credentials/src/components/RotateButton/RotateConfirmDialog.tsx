import { useEffect, useState } from 'react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Checkbox from '@material-ui/core/Checkbox';
import CircularProgress from '@material-ui/core/CircularProgress';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogContentText from '@material-ui/core/DialogContentText';
import DialogTitle from '@material-ui/core/DialogTitle';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Typography from '@material-ui/core/Typography';
import WarningIcon from '@material-ui/icons/Warning';
import type { CredentialSummary } from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { Duration } from 'luxon';

function describeGracePeriod(gracePeriodMs?: number): string {
  if (!gracePeriodMs) return 'its grace period';
  const duration = Duration.fromMillis(gracePeriodMs)
    .shiftTo('days', 'hours', 'minutes')
    .normalize();
  const parts = (['days', 'hours', 'minutes'] as const)
    .filter(unit => duration.get(unit) > 0)
    .map(unit => {
      const value = Math.round(duration.get(unit));
      return `${value} ${value === 1 ? unit.slice(0, -1) : unit}`;
    });
  return `its grace period of ${parts.join(' ')}`;
}

/** What happens to the current key after a plain rotation. */
function OldKeyStep(props: {
  credential: CredentialSummary;
  gracePeriodMs?: number;
}) {
  const { credential, gracePeriodMs } = props;
  return (
    <>
      The old key stays valid for {describeGracePeriod(gracePeriodMs)}, so
      running instances that still hold it keep working;{' '}
      {credential.retireOldKeys === 'time'
        ? 'then it is deleted.'
        : 'then it is deleted once Apigee analytics shows nothing calls with it any more (or revoked at its deadline).'}
    </>
  );
}

/** Why "rotate and revoke" is for leaked keys only. */
function RevokeWarning(props: { credential: CredentialSummary }) {
  const { credential } = props;
  return (
    <Box
      display="flex"
      alignItems="flex-start"
      gridGap={8}
      role="alert"
      data-testid={`revoke-warning-${credential.environment}`}
    >
      <WarningIcon color="error" fontSize="small" aria-hidden />
      <Typography variant="body2" color="error">
        The current key
        {credential.keyFingerprint ? (
          <>
            {' '}
            <code>{credential.keyFingerprint}</code>
          </>
        ) : null}{' '}
        is revoked in Apigee as soon as the new key is in the secret, with no
        grace period: every consumer still using it fails at once, until it
        reads the secret again. You can restore it from this tab during the
        restore window.
      </Typography>
    </Box>
  );
}

/**
 * Asks before a manual rotation, saying what will happen to the key, the secret and the
 * old key; offers to revoke the current key at once, for a leaked key.
 */
export function RotateConfirmDialog(props: {
  open: boolean;
  credential: CredentialSummary;
  gracePeriodMs?: number;
  starting: boolean;
  onCancel: () => void;
  onConfirm: (options: { revokeOldKey: boolean }) => void;
}) {
  const { open, credential, gracePeriodMs, starting, onCancel, onConfirm } =
    props;
  const [revokeOldKey, setRevokeOldKey] = useState(false);
  // Each opening starts from a plain rotation: revoking is never carried over.
  useEffect(() => {
    if (open) setRevokeOldKey(false);
  }, [open]);
  const titleId = `rotate-dialog-title-${credential.environment}`;
  return (
    <Dialog
      open={open}
      onClose={starting ? undefined : onCancel}
      aria-labelledby={titleId}
    >
      <DialogTitle id={titleId}>
        Rotate the {credential.environment} credential?
      </DialogTitle>
      <DialogContent>
        <DialogContentText component="div">
          <ol>
            <li>
              A new consumer key and secret are created
              {credential.app ? (
                <>
                  {' '}
                  in the Apigee app <strong>{credential.app}</strong>
                </>
              ) : (
                ' in Apigee'
              )}
              , with the same API products as the current key.
            </li>
            <li>
              Once the new key is verified, the secret
              {credential.secret ? (
                <>
                  {' '}
                  <strong>{credential.secret}</strong>
                </>
              ) : null}{' '}
              in AWS Secrets Manager is updated to it.
            </li>
            <li>
              {revokeOldKey ? (
                'The old key is revoked right after, without a grace period.'
              ) : (
                <OldKeyStep
                  credential={credential}
                  gracePeriodMs={gracePeriodMs}
                />
              )}
            </li>
          </ol>
          If any step fails, the current key and secret stay as they are.
        </DialogContentText>
        <FormControlLabel
          control={
            <Checkbox
              checked={revokeOldKey}
              disabled={starting}
              onChange={event => setRevokeOldKey(event.target.checked)}
            />
          }
          label="Revoke the current key at once (leaked key)"
        />
        {revokeOldKey ? <RevokeWarning credential={credential} /> : null}
      </DialogContent>
      <DialogActions>
        <Button onClick={onCancel} disabled={starting}>
          Cancel
        </Button>
        <Button
          color={revokeOldKey ? 'secondary' : 'primary'}
          variant="contained"
          onClick={() => onConfirm({ revokeOldKey })}
          disabled={starting}
          startIcon={starting ? <CircularProgress size={16} /> : undefined}
        >
          {revokeOldKey ? 'Rotate and revoke now' : 'Rotate now'}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
