import { useState } from 'react';
import Button from '@material-ui/core/Button';
import CircularProgress from '@material-ui/core/CircularProgress';
import type { CompoundEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import type { OldKeySummary } from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { apigeeCredentialsApiRef } from '../../api/ref';
import { useOutcomeToast } from '../../hooks/useOutcomeToast';
import { actionErrorMessage, RowNotice } from '../CredentialActions/notice';
import { formatAbsolute } from '../shared/format';
import { isRestorable, isRevocable } from './describeOldKey';
import { RevokeOldKeyDialog } from './RevokeOldKeyDialog';

export interface OldKeyActionProps {
  entityRef: CompoundEntityRef;
  bindingId: string;
  environment: string;
  oldKey: OldKeySummary;
  /** Reloads the credential after a change. */
  onChanged: () => void;
  /** Shows a failure under the row. */
  onNotice: (notice: RowNotice) => void;
}

function RevokeOldKeyButton(props: OldKeyActionProps) {
  const { environment, oldKey, onChanged } = props;
  const [open, setOpen] = useState(false);
  const notify = useOutcomeToast();
  const fingerprint = oldKey.keyFingerprint;
  const onRevoked = (revoked: OldKeySummary) => {
    setOpen(false);
    notify({
      title: `Revoked old key ${fingerprint} of ${environment}`,
      description: revoked.restorableUntil
        ? `Apigee rejects it from now on. If something breaks, restore it from this tab until ${formatAbsolute(
            revoked.restorableUntil,
          )}.`
        : 'Apigee rejects it from now on.',
      status: 'success',
    });
    onChanged();
  };
  return (
    <>
      <Button
        size="small"
        color="secondary"
        aria-label={`Revoke now: old key ${fingerprint} of ${environment}`}
        onClick={() => setOpen(true)}
        style={{ whiteSpace: 'nowrap' }}
      >
        Revoke now
      </Button>
      {open ? (
        <RevokeOldKeyDialog
          entityRef={props.entityRef}
          bindingId={props.bindingId}
          environment={environment}
          oldKey={oldKey}
          onClose={() => setOpen(false)}
          onRevoked={onRevoked}
        />
      ) : null}
    </>
  );
}

/** Restoring only brings back a key the owner had, so it asks for no confirmation. */
function RestoreOldKeyButton(props: OldKeyActionProps) {
  const { entityRef, bindingId, environment, oldKey } = props;
  const { onChanged, onNotice } = props;
  const api = useApi(apigeeCredentialsApiRef);
  const notify = useOutcomeToast();
  const [restoring, setRestoring] = useState(false);
  const fingerprint = oldKey.keyFingerprint;
  const restore = async () => {
    setRestoring(true);
    try {
      const restored = await api.restoreOldKey(
        entityRef,
        bindingId,
        oldKey.keyFingerprint,
      );
      notify({
        title: `Restored old key ${fingerprint} of ${environment}`,
        description: restored.deadlineAt
          ? `Apigee accepts it again. It is revoked again on ${formatAbsolute(
              restored.deadlineAt,
            )} if still used.`
          : 'Apigee accepts it again.',
        status: 'success',
      });
      onChanged();
    } catch (error) {
      onNotice({
        tone: 'error',
        message: actionErrorMessage(
          error,
          `Could not restore key ${fingerprint}`,
        ),
      });
    } finally {
      setRestoring(false);
    }
  };
  return (
    <Button
      size="small"
      color="primary"
      aria-label={`Restore old key ${fingerprint} of ${environment}`}
      disabled={restoring}
      onClick={restore}
      startIcon={restoring ? <CircularProgress size={14} /> : undefined}
      style={{ whiteSpace: 'nowrap' }}
    >
      Restore
    </Button>
  );
}

/** Revoke now or Restore, whichever the key's state allows; nothing for the others. */
export function OldKeyActions(props: OldKeyActionProps) {
  if (isRevocable(props.oldKey)) return <RevokeOldKeyButton {...props} />;
  if (isRestorable(props.oldKey)) return <RestoreOldKeyButton {...props} />;
  return null;
}
