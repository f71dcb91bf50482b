import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import { Link } from '@backstage/core-components';
import {
  APIGEE_CREDENTIALS_ANNOTATION_PREFIX,
  CredentialStatus,
  CredentialSummary,
} from '@keyrotation/backstage-plugin-apigee-credentials-common';

type AdvisedStatus = Extract<
  CredentialStatus,
  'drift' | 'misconfigured' | 'failed' | 'overdue' | 'unverified'
>;

/** What to do next, in one sentence. */
const ADVICE: Record<AdvisedStatus, (environment: string) => string> = {
  drift: () =>
    'Repair the key or the secret in Apigee or AWS (or restore a deleted app), then press Rotate to issue a fresh key and put it back under management.',
  misconfigured: environment =>
    `Fix the annotation ${APIGEE_CREDENTIALS_ANNOTATION_PREFIX}${environment} in the entity's catalog-info.yaml; rotation resumes when the catalog next refreshes the entity.`,
  failed: () =>
    'The current key was kept and still works: fix the cause named in the reason, then press Rotate to try again.',
  overdue: () =>
    'The key is older than its maximum age: press Rotate, or let the schedule rotate it in its next window.',
  unverified: () =>
    "Nothing is rotated or shown until the secret's tag and the Apigee app's attribute name this entity or its owner group. Set them, then press Check now; or ask a platform admin to approve the binding.",
};

/** Statuses whose advice links to the runbook: the ones that need an operator. */
const RUNBOOK_STATUSES: ReadonlySet<CredentialStatus> = new Set([
  'drift',
  'failed',
  'misconfigured',
  'unverified',
]);

function isAdvised(status: CredentialStatus): status is AdvisedStatus {
  return status in ADVICE;
}

/** Whether a binding gets an advice line under its row. */
export function hasAdvice(credential: CredentialSummary): boolean {
  return isAdvised(credential.status);
}

/** Why a binding needs attention, what to do next, and where the runbook is. */
export function StatusAdvice(props: {
  credential: CredentialSummary;
  runbookUrl?: string;
}) {
  const { credential, runbookUrl } = props;
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
        {runbookUrl && RUNBOOK_STATUSES.has(credential.status) ? (
          <>
            {' '}
            <Link to={runbookUrl} underline="always">
              Runbook for {credential.environment}: {credential.status}
            </Link>
          </>
        ) : null}
      </Typography>
    </Box>
  );
}
