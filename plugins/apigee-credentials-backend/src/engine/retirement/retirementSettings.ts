import { Config } from '@backstage/config';
import { readDurationMs } from '../durations';

/** How old keys are retired by traffic (config `apigeeCredentials.retirement`). */
export interface RetirementSettings {
  /** After the grace period: when a key still used (or with no analytics answer) is revoked. */
  deadlineMs: number;
  /** How long an owner can restore a key the deadline revoked, before it is deleted. */
  restoreWindowMs: number;
  /** How soon a key in use, or waiting for analytics, is checked again. */
  recheckIntervalMs: number;
  /** How far back a traffic check looks for calls. */
  lookbackMs: number;
  /** How long deleted keys stay listed in the tab. */
  showDeletedForMs: number;
}

export const DEFAULT_RETIREMENT_SETTINGS: RetirementSettings = {
  deadlineMs: 7 * 86_400_000,
  restoreWindowMs: 3 * 86_400_000,
  recheckIntervalMs: 3_600_000,
  lookbackMs: 3_600_000,
  showDeletedForMs: 7 * 86_400_000,
};

export function readRetirementSettings(root: Config): RetirementSettings {
  const config = root.getOptionalConfig('apigeeCredentials.retirement');
  const read = (key: string, fallback: number) => {
    const ms = readDurationMs(config, key, fallback);
    if (!(ms > 0)) {
      throw new Error(
        `apigeeCredentials.retirement.${key} must be a positive duration`,
      );
    }
    return ms;
  };
  const d = DEFAULT_RETIREMENT_SETTINGS;
  return {
    deadlineMs: read('deadline', d.deadlineMs),
    restoreWindowMs: read('restoreWindow', d.restoreWindowMs),
    recheckIntervalMs: read('recheckInterval', d.recheckIntervalMs),
    lookbackMs: read('lookback', d.lookbackMs),
    showDeletedForMs: d.showDeletedForMs,
  };
}
