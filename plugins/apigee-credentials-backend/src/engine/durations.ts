import { Config, readDurationFromConfig } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { Duration } from 'luxon';
import { DurationInput } from './types';

/**
 * Milliseconds of an optional duration in app-config (`{ seconds: 30 }`, `30s`, ISO 8601),
 * or `fallbackMs` when the key is absent. Config mistakes throw plain errors naming the
 * key (they stop the backend at start-up; they are not bad HTTP input).
 */
export function readDurationMs(
  config: Config | undefined,
  key: string,
  fallbackMs: number,
): number {
  if (!config?.has(key)) return fallbackMs;
  return Duration.fromObject(
    readDurationFromConfig(config, { key }),
  ).toMillis();
}

/** Milliseconds of a {@link DurationInput}; throws an InputError naming `what` when invalid. */
export function durationToMs(input: DurationInput, what: string): number {
  let ms: number;
  if (typeof input === 'number') {
    ms = input;
  } else if (typeof input === 'string') {
    const parsed = Duration.fromISO(input);
    if (!parsed.isValid) {
      throw new InputError(
        `${what} must be an ISO 8601 duration such as P7D or PT15M, got ${JSON.stringify(
          input,
        )}`,
      );
    }
    ms = parsed.toMillis();
  } else if (input && typeof input === 'object') {
    let parsed: Duration;
    try {
      parsed = Duration.fromObject(input);
    } catch {
      throw new InputError(`${what} has an unknown duration unit`);
    }
    if (!parsed.isValid) {
      throw new InputError(`${what} is not a valid duration`);
    }
    ms = parsed.toMillis();
  } else {
    throw new InputError(`${what} is not a valid duration`);
  }
  if (!Number.isFinite(ms) || ms < 0) {
    throw new InputError(`${what} must be a non-negative duration`);
  }
  return ms;
}

/** Formats milliseconds for messages, e.g. `3m 30s`. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const seconds = Math.round(ms / 1000);
  const parts: string[] = [];
  const days = Math.floor(seconds / 86400);
  const hours = Math.floor((seconds % 86400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  if (days) parts.push(`${days}d`);
  if (hours) parts.push(`${hours}h`);
  if (minutes) parts.push(`${minutes}m`);
  if (rest || parts.length === 0) parts.push(`${rest}s`);
  return parts.join(' ');
}
