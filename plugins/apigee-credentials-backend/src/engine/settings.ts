import { Config } from '@backstage/config';
import { formatMs, readDurationMs } from './durations';
import { DEFAULT_KEY_LENGTH, DEFAULT_SECRET_LENGTH } from './keyGeneration';
import { isNormalPath } from './probe';
import { DEFAULT_RETRY_SETTINGS, RetrySettings } from './retry';

/** Tunables of the rotation engine (config `apigeeCredentials.rotation`). */
export interface EngineSettings {
  /** How long an old key keeps working after a rotation, unless the binding says otherwise. */
  gracePeriodMs: number;
  /** Age at which a scheduled run rotates a credential, unless the binding says otherwise. */
  maxAgeMs: number;
  /**
   * Shortest `maxAge` and `gracePeriod` a binding may set (annotations are written by anyone
   * who can edit the catalog); a binding below them is refused as misconfigured.
   */
  minimumMaxAgeMs: number;
  minimumGracePeriodMs: number;
  /** How long a worker's lease lasts without renewal; a dead worker's lease expires after it. */
  leaseDurationMs: number;
  /**
   * Apigee's key cache (180 s on real Apigee). Without a probe, the test step waits this
   * long after the new key got its products before the key may be promoted.
   */
  keyPropagationDelayMs: number;
  /** How long the test step keeps checking a new key (and probing it) before giving up. */
  testTimeoutMs: number;
  /** Pause between two probe attempts. */
  testIntervalMs: number;
  /** Per-request timeout of probe calls. */
  probeRequestTimeoutMs: number;
  /**
   * URL prefixes a binding's probe may call: `rotation.allowedProbeUrlPrefixes` plus, for each
   * of `apigeeCredentials.probeHosts`, its base URL joined with each of its `pathPrefixes`. A
   * probe sends a freshly issued key, and bindings come from catalog annotations, so any
   * other URL is refused (an empty list refuses all).
   */
  allowedProbeUrlPrefixes: string[];
  keyLength: number;
  secretLength: number;
  retry: RetrySettings;
  /** How many old keys one `retireOldKeys` call moves on (traffic check, revocation, deletion). */
  deletionBatchSize: number;
  /**
   * How often each binding is checked live (Apigee app, secret metadata) when nothing is
   * due: `apigeeCredentials.checkInterval`.
   */
  checkIntervalMs: number;
  /** Most bindings one scheduled pass looks at; the rest wait for the next pass. */
  checkBatchSize: number;
  /**
   * Rotations this engine runs at once, whatever started them (schedule, user, resume):
   * `apigeeCredentials.concurrency`. Others wait their turn, holding their lease.
   */
  concurrency: number;
}

export const DEFAULT_ENGINE_SETTINGS: EngineSettings = {
  gracePeriodMs: 24 * 3600_000,
  maxAgeMs: 90 * 24 * 3600_000,
  minimumMaxAgeMs: 24 * 3600_000,
  minimumGracePeriodMs: 3600_000,
  leaseDurationMs: 60_000,
  keyPropagationDelayMs: 180_000,
  testTimeoutMs: 210_000,
  testIntervalMs: 5_000,
  probeRequestTimeoutMs: 10_000,
  allowedProbeUrlPrefixes: [],
  keyLength: DEFAULT_KEY_LENGTH,
  secretLength: DEFAULT_SECRET_LENGTH,
  retry: DEFAULT_RETRY_SETTINGS,
  deletionBatchSize: 50,
  // Three calls per check: 24 a day per binding.
  checkIntervalMs: 3 * 3600_000,
  checkBatchSize: 1000,
  concurrency: 4,
};

function readLength(
  config: Config | undefined,
  key: string,
  fallback: number,
): number {
  const value = config?.getOptionalNumber(key) ?? fallback;
  if (!Number.isInteger(value) || value < 16 || value > 255) {
    throw new Error(
      `apigeeCredentials.rotation.${key} must be an integer in 16..255`,
    );
  }
  return value;
}

/** A proxy host that binding annotations may name in `probe.host`. */
export interface ProbeHostSettings {
  name: string;
  /** Base URL the annotation's `probe.path` is appended to. */
  baseUrl: string;
  /** Paths (in normal form) a probe may use on this host; none configured allows none. */
  pathPrefixes: string[];
}

/**
 * Reads `apigeeCredentials.probeHosts`. Throws a plain error at startup for a base URL that
 * is not http(s) or a path prefix that is not a normal path.
 */
export function readProbeHosts(root: Config): ProbeHostSettings[] {
  const hosts = root.getOptionalConfigArray('apigeeCredentials.probeHosts');
  return (hosts ?? []).map((host, index) => {
    const where = `apigeeCredentials.probeHosts[${index}]`;
    const name = host.getString('name');
    const baseUrl = host.getString('baseUrl');
    let parsed: URL | undefined;
    try {
      parsed = new URL(baseUrl);
    } catch {
      parsed = undefined;
    }
    if (
      !parsed ||
      (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') ||
      parsed.search ||
      parsed.hash ||
      parsed.username
    ) {
      throw new Error(
        `${where}.baseUrl "${baseUrl}" must be an http(s) URL without query, fragment or user`,
      );
    }
    const pathPrefixes = host.getOptionalStringArray('pathPrefixes') ?? [];
    for (const prefix of pathPrefixes) {
      if (!isNormalPath(prefix)) {
        throw new Error(
          `${where}.pathPrefixes: "${prefix}" must be a path starting with "/", without percent-encoding, ".", ".." or empty segments`,
        );
      }
    }
    return { name, baseUrl: baseUrl.replace(/\/+$/, ''), pathPrefixes };
  });
}

/** Reads `apigeeCredentials.rotation`, with the defaults above. */
export function readEngineSettings(root: Config): EngineSettings {
  const config = root.getOptionalConfig('apigeeCredentials.rotation');
  const retryConfig = config?.getOptionalConfig('retry');
  const d = DEFAULT_ENGINE_SETTINGS;
  const settings: EngineSettings = {
    gracePeriodMs: readDurationMs(config, 'gracePeriod', d.gracePeriodMs),
    maxAgeMs: readDurationMs(config, 'maxAge', d.maxAgeMs),
    minimumMaxAgeMs: readDurationMs(config, 'minimumMaxAge', d.minimumMaxAgeMs),
    minimumGracePeriodMs: readDurationMs(
      config,
      'minimumGracePeriod',
      d.minimumGracePeriodMs,
    ),
    leaseDurationMs: readDurationMs(config, 'leaseDuration', d.leaseDurationMs),
    keyPropagationDelayMs: readDurationMs(
      config,
      'keyPropagationDelay',
      d.keyPropagationDelayMs,
    ),
    testTimeoutMs: readDurationMs(config, 'testTimeout', d.testTimeoutMs),
    testIntervalMs: readDurationMs(config, 'testInterval', d.testIntervalMs),
    probeRequestTimeoutMs: readDurationMs(
      config,
      'probeRequestTimeout',
      d.probeRequestTimeoutMs,
    ),
    // Configured probe hosts are trusted gateways too, below their path prefixes only.
    allowedProbeUrlPrefixes: [
      ...(config?.getOptionalStringArray('allowedProbeUrlPrefixes') ??
        d.allowedProbeUrlPrefixes),
      ...readProbeHosts(root).flatMap(host =>
        host.pathPrefixes.map(prefix => `${host.baseUrl}${prefix}`),
      ),
    ],
    keyLength: readLength(config, 'keyLength', d.keyLength),
    secretLength: readLength(config, 'secretLength', d.secretLength),
    retry: {
      maxDurationMs: readDurationMs(
        retryConfig,
        'maxDuration',
        d.retry.maxDurationMs,
      ),
      initialDelayMs: readDurationMs(
        retryConfig,
        'initialDelay',
        d.retry.initialDelayMs,
      ),
      maxDelayMs: readDurationMs(retryConfig, 'maxDelay', d.retry.maxDelayMs),
    },
    deletionBatchSize:
      config?.getOptionalNumber('deletionBatchSize') ?? d.deletionBatchSize,
    checkIntervalMs: readDurationMs(
      root.getOptionalConfig('apigeeCredentials'),
      'checkInterval',
      d.checkIntervalMs,
    ),
    checkBatchSize:
      root.getOptionalNumber('apigeeCredentials.checkBatchSize') ??
      d.checkBatchSize,
    concurrency:
      root.getOptionalNumber('apigeeCredentials.concurrency') ?? d.concurrency,
  };
  if (!Number.isInteger(settings.concurrency) || settings.concurrency < 1) {
    throw new Error(
      `apigeeCredentials.concurrency must be a positive integer, got ${settings.concurrency}`,
    );
  }
  for (const [key, value, floor] of [
    ['maxAge', settings.maxAgeMs, 'minimumMaxAge'],
    ['gracePeriod', settings.gracePeriodMs, 'minimumGracePeriod'],
  ] as const) {
    const minimum =
      floor === 'minimumMaxAge'
        ? settings.minimumMaxAgeMs
        : settings.minimumGracePeriodMs;
    if (value < minimum) {
      throw new Error(
        `apigeeCredentials.rotation.${key} (${formatMs(
          value,
        )}) is below apigeeCredentials.rotation.${floor} (${formatMs(
          minimum,
        )})`,
      );
    }
  }
  if (settings.leaseDurationMs < 1000) {
    throw new Error(
      'apigeeCredentials.rotation.leaseDuration must be at least 1 second',
    );
  }
  return settings;
}
