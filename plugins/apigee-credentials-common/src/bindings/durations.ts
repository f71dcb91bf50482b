import { Duration } from 'luxon';

const SHORTHAND = /^(\d+)\s*(d|h|m|s)$/;
const UNITS = { d: 'days', h: 'hours', m: 'minutes', s: 'seconds' } as const;

/**
 * Parses a duration written either as shorthand (`90d`, `24h`, `30m`, `45s`) or as
 * ISO 8601 (`P90D`, `PT36H`). Returns milliseconds, or undefined when the text is not
 * a positive duration.
 *
 * @public
 */
export function parseDurationMs(text: string): number | undefined {
  const trimmed = text.trim();
  const shorthand = SHORTHAND.exec(trimmed);
  const duration = shorthand
    ? Duration.fromObject({
        [UNITS[shorthand[2] as keyof typeof UNITS]]: Number(shorthand[1]),
      })
    : Duration.fromISO(trimmed);
  if (!duration.isValid) {
    return undefined;
  }
  const ms = duration.as('milliseconds');
  return ms > 0 && Number.isFinite(ms) ? ms : undefined;
}
