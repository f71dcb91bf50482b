/** Settings that the control API can change while the sandbox runs. */
export interface SandboxRuntimeConfig {
  /**
   * How long Apigee's runtime keeps serving its cached view of keys (180 s on real
   * Apigee). New keys are rejected, deleted or revoked keys accepted, until it has passed.
   */
  propagationDelayMs: number;
  /** Lifetime of Edge `/oauth/token` access tokens (often quoted as 1799 s). */
  tokenLifetimeSeconds: number;
  /** Lifetime of Google `/token` access tokens for Apigee X (3600 s on Google). */
  googleTokenLifetimeSeconds: number;
  /**
   * How long a gateway call stays invisible to the stats API (real Edge documents about
   * 12 minutes, X several minutes), so clients learn to wait before trusting "no calls".
   */
  analyticsDelayMs: number;
}

export const DEFAULT_RUNTIME_CONFIG: SandboxRuntimeConfig = {
  propagationDelayMs: 0,
  tokenLifetimeSeconds: 1799,
  googleTokenLifetimeSeconds: 3600,
  analyticsDelayMs: 0,
};

/** Delays may be 0 (off); lifetimes must be at least 1. */
const ZERO_ALLOWED = new Set<string>([
  'propagationDelayMs',
  'analyticsDelayMs',
]);

/** Validates a partial update from the control API or the CLI; throws a TypeError naming the field. */
export function validateRuntimeConfigUpdate(
  update: unknown,
): Partial<SandboxRuntimeConfig> {
  if (!update || typeof update !== 'object' || Array.isArray(update)) {
    throw new TypeError('The config update must be a JSON object');
  }
  const result: Partial<SandboxRuntimeConfig> = {};
  for (const [field, value] of Object.entries(update)) {
    if (!(field in DEFAULT_RUNTIME_CONFIG)) {
      throw new TypeError(
        `Unknown config field ${field}; expected one of ${Object.keys(
          DEFAULT_RUNTIME_CONFIG,
        ).join(', ')}`,
      );
    }
    const minimum = ZERO_ALLOWED.has(field) ? 0 : 1;
    if (!Number.isInteger(value) || (value as number) < minimum) {
      throw new TypeError(`${field} must be an integer >= ${minimum}`);
    }
    result[field as keyof SandboxRuntimeConfig] = value as number;
  }
  return result;
}
