import { Config, readDurationFromConfig } from '@backstage/config';
import { Duration } from 'luxon';
import { ProbeHostSettings, readProbeHosts } from '../engine/settings';
import { StatusSettings } from './status';

/** Plugin-level settings (the engine reads its own from `apigeeCredentials.rotation`). */
export interface PluginSettings {
  status: StatusSettings;
  manualCooldownMs: number;
  notifyOnSuccess: boolean;
  concurrency: number;
  /** Probe hosts by name. */
  probeHosts: ReadonlyMap<string, ProbeHostSettings>;
}

function durationMs(
  config: Config | undefined,
  key: string,
  fallbackMs: number,
): number {
  if (!config?.has(key)) return fallbackMs;
  return Duration.fromObject(
    readDurationFromConfig(config, { key }),
  ).toMillis();
}

const DAY = 24 * 3600 * 1000;

export function readPluginSettings(root: Config): PluginSettings {
  const config = root.getOptionalConfig('apigeeCredentials');
  const rotation = config?.getOptionalConfig('rotation');
  const probeHosts = new Map(readProbeHosts(root).map(h => [h.name, h]));
  return {
    status: {
      maxAgeMs: durationMs(rotation, 'maxAge', 90 * DAY),
      dueSoonMs: durationMs(config, 'dueSoon', 14 * DAY),
    },
    manualCooldownMs: durationMs(
      config,
      'manualRotationCooldown',
      5 * 60 * 1000,
    ),
    notifyOnSuccess:
      config?.getOptionalBoolean('notifications.onSuccess') ?? false,
    concurrency: config?.getOptionalNumber('concurrency') ?? 4,
    probeHosts,
  };
}
