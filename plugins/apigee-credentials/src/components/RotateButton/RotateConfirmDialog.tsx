import Button from '@material-ui/core/Button';
import CircularProgress from '@material-ui/core/CircularProgress';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogContentText from '@material-ui/core/DialogContentText';
import DialogTitle from '@material-ui/core/DialogTitle';
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

/**
 * Asks before a manual rotation, saying what will happen to the key, the secret and the
 * old key.
 */
export function RotateConfirmDialog(props: {
  open: boolean;
  credential: CredentialSummary;
  gracePeriodMs?: number;
  starting: boolean;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  const { open, credential, gracePeriodMs, starting, onCancel, onConfirm } =
    props;
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
              The old key stays valid for {describeGracePeriod(gracePeriodMs)},
              so running instances that still hold it keep working; then it is
              deleted.
            </li>
          </ol>
          If any step fails, the current key and secret stay as they are.
        </DialogContentText>
      </DialogContent>
      <DialogActions>
        <Button onClick={onCancel} disabled={starting}>
          Cancel
        </Button>
        <Button
          color="primary"
          variant="contained"
          onClick={onConfirm}
          disabled={starting}
          startIcon={starting ? <CircularProgress size={16} /> : undefined}
        >
          Rotate now
        </Button>
      </DialogActions>
    </Dialog>
  );
}
