import { useEffect, useRef } from 'react';
import Box from '@material-ui/core/Box';
import LinearProgress from '@material-ui/core/LinearProgress';
import Step from '@material-ui/core/Step';
import StepLabel from '@material-ui/core/StepLabel';
import Stepper from '@material-ui/core/Stepper';
import Typography from '@material-ui/core/Typography';
import type { RotationSummary } from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { useOutcomeToast, Outcome } from '../../hooks/useOutcomeToast';
import { useRotationPolling } from './useRotationPolling';
import { ROTATION_STEPS, describePhase, stepOfPhase } from './phases';

function outcomeOf(
  environment: string,
  rotation: RotationSummary,
  revokesOldKey: boolean,
): Outcome {
  switch (rotation.status) {
    case 'succeeded': {
      const oldKey = revokesOldKey
        ? 'the old key is revoked.'
        : 'the old key stays valid for its grace period, then is retired.';
      return {
        title: `Rotated the ${environment} credential`,
        description: rotation.newKeyFingerprint
          ? `New key ${rotation.newKeyFingerprint} is in AWS Secrets Manager; ${oldKey}`
          : `The new key is in AWS Secrets Manager; ${oldKey}`,
        status: 'success',
      };
    }
    case 'rolled-back':
      return {
        title: `Rotation of ${environment} was rolled back`,
        description: `${
          rotation.error ? `${rotation.error}. ` : ''
        }The current key is unchanged and still works.`,
        status: 'warning',
      };
    default:
      return {
        title: `Rotation of ${environment} failed`,
        description: `${
          rotation.error ? `${rotation.error}. ` : ''
        }The current key is unchanged and still works.`,
        status: 'danger',
      };
  }
}

function headline(environment: string, rotation?: RotationSummary): string {
  if (!rotation) return `Starting the rotation of ${environment}…`;
  switch (rotation.status) {
    case 'running':
      return `Rotating ${environment}: ${describePhase(rotation.phase)}`;
    case 'succeeded':
      return `Rotation of ${environment} succeeded`;
    case 'rolled-back':
      return `Rotation of ${environment} was rolled back`;
    default:
      return `Rotation of ${environment} failed`;
  }
}

/**
 * Live progress of one rotation through its phases. When the rotation ends it posts a
 * toast with the outcome, once, and calls `onFinished` so the row can refresh.
 */
export function RotationProgress(props: {
  rotationId: string;
  environment: string;
  /** The rotation was asked to revoke the current key at once (a leaked key). */
  revokesOldKey?: boolean;
  onFinished: (rotation: RotationSummary) => void;
}) {
  const { rotationId, environment, onFinished, revokesOldKey = false } = props;
  const { rotation, error } = useRotationPolling(rotationId);
  const notify = useOutcomeToast();
  const reported = useRef<string | undefined>(undefined);

  useEffect(() => {
    if (!rotation || rotation.status === 'running') return;
    if (reported.current === rotation.id) return;
    reported.current = rotation.id;
    notify(outcomeOf(environment, rotation, revokesOldKey));
    onFinished(rotation);
  }, [rotation, environment, revokesOldKey, notify, onFinished]);

  const running = !rotation || rotation.status === 'running';
  const failed =
    rotation?.status === 'failed' || rotation?.status === 'rolled-back';
  const step = rotation ? stepOfPhase(rotation.phase) : 0;
  const activeStep =
    rotation?.status === 'succeeded' ? ROTATION_STEPS.length : step ?? 0;
  // A failed rotation whose phase names no step (e.g. `failed`) gets no stepper: it
  // would point at the wrong step.
  const showSteps = !(failed && step === undefined);

  return (
    <Box
      role="status"
      aria-live="polite"
      data-testid={`rotation-progress-${environment}`}
    >
      <Typography variant="body2">{headline(environment, rotation)}</Typography>
      {rotation?.status !== 'running' && rotation?.error ? (
        <Typography variant="body2" color="error">
          {rotation.error}
        </Typography>
      ) : null}
      {error ? (
        <Typography variant="body2" color="error">
          Lost track of the rotation ({error.message}). Reload the page to see
          its outcome.
        </Typography>
      ) : null}
      {showSteps ? (
        <Stepper activeStep={activeStep} alternativeLabel>
          {ROTATION_STEPS.map((label, index) => (
            <Step key={label}>
              <StepLabel error={failed && index === activeStep}>
                {label}
              </StepLabel>
            </Step>
          ))}
        </Stepper>
      ) : null}
      {running && !error ? (
        <LinearProgress aria-label={`Rotation of ${environment} in progress`} />
      ) : null}
    </Box>
  );
}
