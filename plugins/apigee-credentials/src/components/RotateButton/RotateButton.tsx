import { useState } from 'react';
import Button from '@material-ui/core/Button';
import Tooltip from '@material-ui/core/Tooltip';
import type { CompoundEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import type { CredentialSummary } from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { apigeeCredentialsApiRef } from '../../api/ref';
import { RotateRejection, toRotateRejection } from '../../api/rotateRejection';
import { RotateConfirmDialog } from './RotateConfirmDialog';

/**
 * The Rotate button of one binding, with its confirmation dialog. Disabled, with the
 * reason in a tooltip, when `disabledReason` is set.
 */
export function RotateButton(props: {
  entityRef: CompoundEntityRef;
  credential: CredentialSummary;
  gracePeriodMs?: number;
  disabledReason?: string;
  onStarted: (rotationId: string, options: { revokeOldKey: boolean }) => void;
  onRejected: (rejection: RotateRejection) => void;
}) {
  const { entityRef, credential, gracePeriodMs, disabledReason } = props;
  const { onStarted, onRejected } = props;
  const api = useApi(apigeeCredentialsApiRef);
  const [open, setOpen] = useState(false);
  const [starting, setStarting] = useState(false);

  const confirm = async (options: { revokeOldKey: boolean }) => {
    setStarting(true);
    try {
      const { id } = await api.rotate(
        entityRef,
        credential.id,
        options.revokeOldKey ? { revokeOldKey: true } : undefined,
      );
      onStarted(id, options);
    } catch (error) {
      onRejected(toRotateRejection(error, credential.environment));
    } finally {
      setStarting(false);
      setOpen(false);
    }
  };

  const button = (
    <Button
      variant="outlined"
      color="primary"
      size="small"
      aria-label={`Rotate ${credential.environment}`}
      disabled={Boolean(disabledReason)}
      onClick={() => setOpen(true)}
    >
      Rotate
    </Button>
  );

  return (
    <>
      {disabledReason ? (
        <Tooltip title={disabledReason}>
          {/* A disabled button fires no events; the span lets the tooltip show. */}
          <span data-testid={`rotate-disabled-${credential.environment}`}>
            {button}
          </span>
        </Tooltip>
      ) : (
        button
      )}
      <RotateConfirmDialog
        open={open}
        credential={credential}
        gracePeriodMs={gracePeriodMs}
        starting={starting}
        onCancel={() => setOpen(false)}
        onConfirm={confirm}
      />
    </>
  );
}
