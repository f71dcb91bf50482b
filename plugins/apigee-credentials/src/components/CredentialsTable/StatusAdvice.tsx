import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import {
  APIGEE_CREDENTIALS_ANNOTATION_PREFIX,
  CredentialStatus,
  CredentialSummary,
} from '@keyrotation/backstage-plugin-apigee-credentials-common';

type AdvisedStatus = Extract<
  CredentialStatus,
  'drift' | 'misconfigured' | 'failed' | 'overdue' | 'unverified'
>;

const ADVICE: Record<AdvisedStatus, (environment: string) => string> = {
  drift: () =>
    'The key in AWS Secrets Manager is not usable in Apigee, so the application may fail to authenticate. Press Rotate to issue a fresh key and update the secret. If the Apigee app or developer is gone, restore it in Apigee first.',
  misconfigured: environment =>
    `Rotation is paused for this binding. Fix the annotation ${APIGEE_CREDENTIALS_ANNOTATION_PREFIX}${environment} in the entity's catalog-info.yaml; the fix is picked up when the catalog next refreshes the entity.`,
  failed: () =>
    'The current key was kept and still works. Check the reason, then press Rotate to try again; the schedule also retries.',
  unverified: () =>
    "Nothing is rotated or shown until the secret's tag and the Apigee app's attribute name this entity or its owner group. Set them, then press Check now; or ask a platform admin to approve the binding.",
  overdue: () =>
    'The key is older than its maximum age. Press Rotate, or let the schedule rotate it in its next window.',
};

function isAdvised(status: CredentialStatus): status is AdvisedStatus {
  return status in ADVICE;
}

/** Whether a binding gets an advice line under its row. */
export function hasAdvice(credential: CredentialSummary): boolean {
  return isAdvised(credential.status);
}

/** Why a binding needs attention, and what to do about it. */
export function StatusAdvice(props: { credential: CredentialSummary }) {
  const { credential } = props;
  if (!isAdvised(credential.status)) return null;
  const reason =
    credential.statusReason ??
    (credential.status === 'failed'
      ? credential.lastRotation?.error
      : undefined);
  return (
    <Box data-testid={`status-advice-${credential.environment}`}>
      {reason ? (
        <Typography variant="body2">
          <strong>Reason:</strong> {reason}
        </Typography>
      ) : null}
      <Typography variant="body2">
        <strong>What to do:</strong>{' '}
        {ADVICE[credential.status](credential.environment)}
      </Typography>
    </Box>
  );
}
