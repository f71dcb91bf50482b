import { useState } from 'react';
import Button from '@material-ui/core/Button';
import CircularProgress from '@material-ui/core/CircularProgress';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogContentText from '@material-ui/core/DialogContentText';
import DialogTitle from '@material-ui/core/DialogTitle';
import {
  CompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import type { CredentialSummary } from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { apigeeCredentialsApiRef } from '../../api/ref';
import { CREDENTIAL_STATUS } from '../shared/status';
import { actionErrorMessage, RowNotice } from './notice';

/**
 * Lets an admin approve a binding whose secret and app carry no ownership marks, after a
 * confirmation that says what approving means. Render it only for admins.
 */
export function ApproveButton(props: {
  entityRef: CompoundEntityRef;
  credential: CredentialSummary;
  onApproved: (notice: RowNotice) => void;
}) {
  const { entityRef, credential, onApproved } = props;
  const { environment } = credential;
  const api = useApi(apigeeCredentialsApiRef);
  const [open, setOpen] = useState(false);
  const [approving, setApproving] = useState(false);
  const titleId = `approve-dialog-title-${environment}`;
  const entity = stringifyEntityRef(entityRef);

  const approve = async () => {
    setApproving(true);
    try {
      const result = await api.approve(entityRef, credential.id);
      onApproved({
        tone: 'info',
        message: `Approved ${environment}; checked just now: ${
          CREDENTIAL_STATUS[result.status]?.label ?? result.status
        }.`,
      });
    } catch (error) {
      onApproved({
        tone: 'error',
        message: actionErrorMessage(error, `Could not approve ${environment}`),
      });
    } finally {
      setApproving(false);
      setOpen(false);
    }
  };

  return (
    <>
      <Button
        size="small"
        variant="outlined"
        aria-label={`Approve ${environment}`}
        onClick={() => setOpen(true)}
        style={{ whiteSpace: 'nowrap' }}
      >
        Approve
      </Button>
      <Dialog
        open={open}
        onClose={approving ? undefined : () => setOpen(false)}
        aria-labelledby={titleId}
      >
        <DialogTitle id={titleId}>
          Approve the {environment} credential?
        </DialogTitle>
        <DialogContent>
          <DialogContentText component="div">
            <p>
              The secret <strong>{credential.secret ?? 'named here'}</strong>{' '}
              and the Apigee app{' '}
              <strong>{credential.app ?? 'named here'}</strong> carry no marks
              saying they belong to <strong>{entity}</strong> or its owner.
            </p>
            <p>
              If you approve, the plugin rotates this app's key into this secret
              although they carry no ownership marks, and shows their key
              details to the entity's owners. Approve only if you know they
              belong to this entity.
            </p>
            <p>
              The approval holds for these targets only: it lapses when the
              annotation names another app or secret. It is audited under your
              name.
            </p>
          </DialogContentText>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setOpen(false)} disabled={approving}>
            Cancel
          </Button>
          <Button
            color="primary"
            variant="contained"
            onClick={approve}
            disabled={approving}
            startIcon={approving ? <CircularProgress size={16} /> : undefined}
          >
            Approve and check
          </Button>
        </DialogActions>
      </Dialog>
    </>
  );
}
