import { useState } from 'react';
import Button from '@material-ui/core/Button';
import CircularProgress from '@material-ui/core/CircularProgress';
import type { CompoundEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import type { CredentialSummary } from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { apigeeCredentialsApiRef } from '../../api/ref';
import { useOutcomeToast } from '../../hooks/useOutcomeToast';
import { actionErrorMessage, RowNotice } from '../CredentialActions/notice';
import { PauseDialog } from './PauseDialog';

const BUTTON_STYLE = { whiteSpace: 'nowrap', padding: '0 4px' } as const;

/**
 * Pause (with a reason) or Resume the scheduled rotation of one credential, under its next
 * rotation. Render it only for users who may rotate.
 */
export function ScheduleControl(props: {
  entityRef: CompoundEntityRef;
  credential: CredentialSummary;
  onChanged: () => void;
  onNotice: (notice: RowNotice) => void;
}) {
  const { entityRef, credential, onChanged, onNotice } = props;
  const { environment } = credential;
  const api = useApi(apigeeCredentialsApiRef);
  const notify = useOutcomeToast();
  const [open, setOpen] = useState(false);
  const [resuming, setResuming] = useState(false);

  const pause = async (reason: string) => {
    try {
      await api.pause(entityRef, credential.id, reason);
    } catch (error) {
      throw new Error(
        actionErrorMessage(error, `Could not pause ${environment}`),
      );
    }
    setOpen(false);
    notify({
      title: `Paused scheduled rotation of ${environment}`,
      description: 'Manual rotation still works. Resume it from this tab.',
      status: 'success',
    });
    onChanged();
  };

  const resume = async () => {
    setResuming(true);
    try {
      await api.resume(entityRef, credential.id);
      notify({
        title: `Resumed scheduled rotation of ${environment}`,
        status: 'success',
      });
      onChanged();
    } catch (error) {
      onNotice({
        tone: 'error',
        message: actionErrorMessage(error, `Could not resume ${environment}`),
      });
    } finally {
      setResuming(false);
    }
  };

  if (credential.paused) {
    return (
      <Button
        size="small"
        color="primary"
        aria-label={`Resume scheduled rotation of ${environment}`}
        disabled={resuming}
        onClick={resume}
        startIcon={resuming ? <CircularProgress size={14} /> : undefined}
        style={BUTTON_STYLE}
      >
        Resume
      </Button>
    );
  }
  return (
    <>
      <Button
        size="small"
        aria-label={`Pause scheduled rotation of ${environment}`}
        onClick={() => setOpen(true)}
        style={BUTTON_STYLE}
      >
        Pause
      </Button>
      {open ? (
        <PauseDialog
          environment={environment}
          onCancel={() => setOpen(false)}
          onConfirm={pause}
        />
      ) : null}
    </>
  );
}
