import { Config } from '@backstage/config';
import { readDurationMs } from '../engine/durations';
import { ProbeHostSettings, readProbeHosts } from '../engine/settings';
import { StatusSettings } from './status';

/** Plugin-level settings (the engine reads its own from `apigeeCredentials.rotation`). */
export interface PluginSettings {
  status: StatusSettings;
  manualCooldownMs: number;
  /** Manual rotations one user may start per hour, across replicas. */
  manualRotationsPerUserPerHour: number;
  notifyOnSuccess: boolean;
  concurrency: number;
  /** Probe hosts by name. */
  probeHosts: ReadonlyMap<string, ProbeHostSettings>;
}

const DAY = 24 * 3600 * 1000;

function positiveInteger(
  config: Config | undefined,
  key: string,
  fallback: number,
): number {
  const value = config?.getOptionalNumber(key) ?? fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(
      `apigeeCredentials.${key} must be a positive integer, got ${value}`,
    );
  }
  return value;
}

export function readPluginSettings(root: Config): PluginSettings {
  const config = root.getOptionalConfig('apigeeCredentials');
  const rotation = config?.getOptionalConfig('rotation');
  const probeHosts = new Map(readProbeHosts(root).map(h => [h.name, h]));
  return {
    status: {
      maxAgeMs: readDurationMs(rotation, 'maxAge', 90 * DAY),
      dueSoonMs: readDurationMs(config, 'dueSoon', 14 * DAY),
    },
    manualCooldownMs: readDurationMs(
      config,
      'manualRotationCooldown',
      5 * 60 * 1000,
    ),
    manualRotationsPerUserPerHour: positiveInteger(
      config,
      'quotas.manualRotationsPerUserPerHour',
      20,
    ),
    notifyOnSuccess:
      config?.getOptionalBoolean('notifications.onSuccess') ?? false,
    concurrency: config?.getOptionalNumber('concurrency') ?? 4,
    probeHosts,
  };
}
