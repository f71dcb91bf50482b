import { useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import Button from '@material-ui/core/Button';
import Checkbox from '@material-ui/core/Checkbox';
import CircularProgress from '@material-ui/core/CircularProgress';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Typography from '@material-ui/core/Typography';
import type { CompoundEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import type { OldKeySummary } from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { apigeeCredentialsApiRef } from '../../api/ref';
import { actionErrorMessage } from '../CredentialActions/notice';
import { shortFingerprint } from './describeOldKey';
import { TrafficFigures } from './TrafficFigures';

/**
 * Revoking cuts off every consumer still using the key, so the dialog first shows what
 * analytics sees now, and the button works only once the owner has ticked that they
 * understand. Mount it only while open: each opening asks analytics afresh.
 */
export function RevokeOldKeyDialog(props: {
  entityRef: CompoundEntityRef;
  bindingId: string;
  environment: string;
  oldKey: OldKeySummary;
  onClose: () => void;
  onRevoked: (revoked: OldKeySummary) => void;
}) {
  const { entityRef, bindingId, environment, oldKey, onClose, onRevoked } =
    props;
  const api = useApi(apigeeCredentialsApiRef);
  const traffic = useAsync(
    () => api.getOldKeyTraffic(entityRef, bindingId, oldKey.keyFingerprint),
    [api, entityRef, bindingId, oldKey.keyFingerprint],
  );
  const [understood, setUnderstood] = useState(false);
  const [revoking, setRevoking] = useState(false);
  const [error, setError] = useState<string>();
  const fingerprint = oldKey.keyFingerprint;
  const titleId = `revoke-dialog-title-${environment}-${shortFingerprint(
    fingerprint,
  )}`;
  const used = (traffic.value?.calls ?? 0) > 0;

  const revoke = async () => {
    setRevoking(true);
    setError(undefined);
    try {
      onRevoked(
        await api.revokeOldKey(entityRef, bindingId, oldKey.keyFingerprint),
      );
    } catch (e) {
      setError(actionErrorMessage(e, `Could not revoke key ${fingerprint}`));
      setRevoking(false);
    }
  };

  return (
    <Dialog
      open
      onClose={revoking ? undefined : onClose}
      aria-labelledby={titleId}
    >
      <DialogTitle id={titleId}>
        Revoke old key {fingerprint} of {environment} now?
      </DialogTitle>
      <DialogContent>
        <TrafficFigures
          loading={traffic.loading}
          traffic={traffic.value}
          error={traffic.error}
        />
        <Typography variant="body2" paragraph style={{ marginTop: 16 }}>
          Apigee rejects the key at once: every consumer still using it fails
          from its next call. You can restore it from this tab during the
          restore window; after that it is deleted. The revocation is audited
          under your name.
        </Typography>
        <FormControlLabel
          control={
            <Checkbox
              checked={understood}
              disabled={traffic.loading || revoking}
              onChange={event => setUnderstood(event.target.checked)}
            />
          }
          label={
            used
              ? 'I understand that the consumers above fail at once'
              : 'I understand that anything still using this key fails at once'
          }
        />
        {error ? (
          <Typography variant="body2" color="error" role="alert">
            {error}
          </Typography>
        ) : null}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={revoking}>
          Cancel
        </Button>
        <Button
          color="secondary"
          variant="contained"
          onClick={revoke}
          // Only once the figures are in and the owner has said they understand.
          disabled={traffic.loading || !understood || revoking}
          startIcon={revoking ? <CircularProgress size={16} /> : undefined}
        >
          Revoke key
        </Button>
      </DialogActions>
    </Dialog>
  );
}
