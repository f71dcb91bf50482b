import { useEffect, useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import type { RotationSummary } from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { apigeeCredentialsApiRef } from '../../api/ref';

/** How often a running rotation is asked for its phase. */
export const POLL_INTERVAL_MS = 1000;
// A few failed polls in a row (network blip, backend restart) are tolerated.
const MAX_CONSECUTIVE_FAILURES = 5;

export interface RotationPollingState {
  rotation?: RotationSummary;
  /** Set when polling gave up; the last known rotation stays in `rotation`. */
  error?: Error;
}

/**
 * Follows one rotation by polling `GET /v1/rotations/:id` until it is no longer running.
 * Stops when the component unmounts or the id changes.
 */
export function useRotationPolling(rotationId: string): RotationPollingState {
  const api = useApi(apigeeCredentialsApiRef);
  const [state, setState] = useState<RotationPollingState>({});

  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    setState({});

    const poll = async () => {
      try {
        const rotation = await api.getRotation(rotationId);
        if (cancelled) return;
        failures = 0;
        setState({ rotation });
        if (rotation.status !== 'running') return;
      } catch (error) {
        if (cancelled) return;
        failures += 1;
        if (failures >= MAX_CONSECUTIVE_FAILURES) {
          setState(previous => ({ ...previous, error: error as Error }));
          return;
        }
      }
      timer = setTimeout(poll, POLL_INTERVAL_MS);
    };
    poll();

    return () => {
      cancelled = true;
      if (timer) clearTimeout(timer);
    };
  }, [api, rotationId]);

  return state;
}
