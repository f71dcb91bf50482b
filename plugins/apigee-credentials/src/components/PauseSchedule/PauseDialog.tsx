import { useState } from 'react';
import Button from '@material-ui/core/Button';
import CircularProgress from '@material-ui/core/CircularProgress';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogContentText from '@material-ui/core/DialogContentText';
import DialogTitle from '@material-ui/core/DialogTitle';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';

/** The backend's limit on a pause reason. */
export const MAX_REASON_LENGTH = 500;

/**
 * Asks why scheduled rotation is paused: the reason is shown to everyone who sees the
 * credential, so that a paused, ageing key is not a mystery. Mount it only while open.
 */
export function PauseDialog(props: {
  environment: string;
  onCancel: () => void;
  /** Pauses; rejects with the message to show. */
  onConfirm: (reason: string) => Promise<void>;
}) {
  const { environment, onCancel, onConfirm } = props;
  const [reason, setReason] = useState('');
  const [pausing, setPausing] = useState(false);
  const [error, setError] = useState<string>();
  const trimmed = reason.trim();
  const titleId = `pause-dialog-title-${environment}`;

  const confirm = async () => {
    setPausing(true);
    setError(undefined);
    try {
      await onConfirm(trimmed);
    } catch (e) {
      setError((e as Error).message);
      setPausing(false);
    }
  };

  return (
    <Dialog
      open
      onClose={pausing ? undefined : onCancel}
      aria-labelledby={titleId}
    >
      <DialogTitle id={titleId}>
        Pause scheduled rotation of {environment}?
      </DialogTitle>
      <DialogContent>
        <DialogContentText>
          The schedule stops rotating this key until someone resumes it, even
          when it passes its maximum age. Manual rotation still works, and old
          keys are still retired. The reason is shown on this tab and on the
          fleet page; the pause is audited under your name.
        </DialogContentText>
        <TextField
          id={`pause-reason-${environment}`}
          label="Reason"
          required
          fullWidth
          multiline
          minRows={2}
          value={reason}
          disabled={pausing}
          onChange={event => setReason(event.target.value)}
          inputProps={{ maxLength: MAX_REASON_LENGTH }}
          helperText={`${reason.length}/${MAX_REASON_LENGTH}`}
        />
        {error ? (
          <Typography variant="body2" color="error" role="alert">
            {error}
          </Typography>
        ) : null}
      </DialogContent>
      <DialogActions>
        <Button onClick={onCancel} disabled={pausing}>
          Cancel
        </Button>
        <Button
          color="primary"
          variant="contained"
          onClick={confirm}
          disabled={!trimmed || pausing}
          startIcon={pausing ? <CircularProgress size={16} /> : undefined}
        >
          Pause schedule
        </Button>
      </DialogActions>
    </Dialog>
  );
}
