import { DateTime } from 'luxon';
import { parseEntityRef } from '@backstage/catalog-model';

/** "0 days", "1 day", "45 days": the age wording used across the plugin. */
export function formatDays(days: number): string {
  const whole = Math.max(0, Math.floor(days));
  return whole === 1 ? '1 day' : `${whole} days`;
}

/**
 * "in 78 days", "36 hours ago", "in 5 minutes". Days are the largest unit, so times
 * compare easily with key ages and maximum ages (also given in days).
 */
export function formatRelative(iso: string | undefined): string | undefined {
  if (!iso) return undefined;
  const time = DateTime.fromISO(iso);
  if (!time.isValid) return undefined;
  const hours = Math.abs(time.diffNow().as('hours'));
  if (hours < 1 / 60) {
    return time < DateTime.now() ? 'just now' : 'in a moment';
  }
  let unit: 'minutes' | 'hours' | 'days' = 'days';
  if (hours < 1) unit = 'minutes';
  else if (hours < 48) unit = 'hours';
  // Rounded, not truncated: a key due in 77.9 days is due "in 78 days".
  const value = Math.round(time.diffNow().as(unit));
  return new Intl.RelativeTimeFormat(undefined, { numeric: 'always' }).format(
    value,
    unit,
  );
}

/** A full, locale-formatted date and time, for tooltips and `title`s. */
export function formatAbsolute(iso: string | undefined): string | undefined {
  if (!iso) return undefined;
  const time = DateTime.fromISO(iso);
  return time.isValid
    ? time.toLocaleString(DateTime.DATETIME_MED_WITH_WEEKDAY)
    : undefined;
}

/** "guest" for `user:default/guest`; other refs are shown as written. */
export function formatActor(actor: string): string {
  try {
    const ref = parseEntityRef(actor, { defaultKind: 'user' });
    return ref.kind.toLocaleLowerCase('en-US') === 'user' &&
      ref.namespace === 'default'
      ? ref.name
      : actor;
  } catch {
    return actor;
  }
}
