import { useState } from 'react';
import Button from '@material-ui/core/Button';
import CircularProgress from '@material-ui/core/CircularProgress';
import type { CompoundEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import type { CredentialSummary } from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { apigeeCredentialsApiRef } from '../../api/ref';
import { CREDENTIAL_STATUS } from '../shared/status';
import { actionErrorMessage, RowNotice } from './notice';

/**
 * Checks a binding live now (ownership, drift, age): for an owner who just repaired drift or
 * set the ownership marks. Shown only to users who may rotate.
 */
export function CheckNowButton(props: {
  entityRef: CompoundEntityRef;
  credential: CredentialSummary;
  onChecked: (notice: RowNotice) => void;
}) {
  const { entityRef, credential, onChecked } = props;
  const api = useApi(apigeeCredentialsApiRef);
  const [checking, setChecking] = useState(false);
  const check = async () => {
    setChecking(true);
    try {
      const result = await api.checkNow(entityRef, credential.id);
      onChecked({
        tone: 'info',
        message: `Checked ${credential.environment} just now: ${
          CREDENTIAL_STATUS[result.status]?.label ?? result.status
        }.`,
      });
    } catch (error) {
      onChecked({
        tone: 'error',
        message: actionErrorMessage(
          error,
          `Could not check ${credential.environment}`,
        ),
      });
    } finally {
      setChecking(false);
    }
  };
  return (
    <Button
      size="small"
      color="primary"
      aria-label={`Check now ${credential.environment}`}
      disabled={checking}
      onClick={check}
      startIcon={checking ? <CircularProgress size={14} /> : undefined}
      style={{ whiteSpace: 'nowrap' }}
    >
      Check now
    </Button>
  );
}
