import type {
  KeyTrafficSummary,
  OldKeyState,
  OldKeySummary,
} from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { formatAbsolute, formatActor, formatRelative } from '../shared/format';
import type { StatusTone } from '../shared/status';

/** The chip of each state: a few words, and the colour of how much it needs a look. */
export const OLD_KEY_STATE: Record<
  OldKeyState,
  { label: string; tone: StatusTone }
> = {
  'in-grace': { label: 'In grace', tone: 'pending' },
  checking: { label: 'Checking', tone: 'running' },
  'in-use': { label: 'Still used', tone: 'warning' },
  'waiting-for-analytics': { label: 'Waiting for analytics', tone: 'warning' },
  revoked: { label: 'Revoked', tone: 'error' },
  deleted: { label: 'Deleted', tone: 'ok' },
  blocked: { label: 'Blocked', tone: 'error' },
};

/** States in which the key still works in Apigee, so "Revoke now" means something. */
const REVOCABLE: ReadonlySet<OldKeyState> = new Set([
  'in-grace',
  'checking',
  'in-use',
  'waiting-for-analytics',
]);

export function isRevocable(key: OldKeySummary): boolean {
  return REVOCABLE.has(key.state);
}

/** A revoked key an owner can still bring back. */
export function isRestorable(key: OldKeySummary, now = Date.now()): boolean {
  return (
    key.state === 'revoked' &&
    key.restorableUntil !== undefined &&
    Date.parse(key.restorableUntil) > now
  );
}

/** The fingerprint's digits, without `sha256:`: for test ids, which a colon would spoil. */
export function shortFingerprint(fingerprint: string): string {
  return fingerprint.replace(/^sha256:/, '');
}

/** "May 1, 10:00 (in 20 hours)": a point in time people can both place and count to. */
function until(iso: string): string {
  const relative = formatRelative(iso);
  const absolute = formatAbsolute(iso) ?? iso;
  return relative ? `${absolute} (${relative})` : absolute;
}

/** "the last hour", "the last 2 hours", "the last 30 minutes", "the last 7 days". */
export function describeWindow(traffic: KeyTrafficSummary): string {
  const ms = Date.parse(traffic.checkedAt) - Date.parse(traffic.windowStart);
  if (!Number.isFinite(ms) || ms <= 0) return 'the last check';
  const minutes = Math.round(ms / 60000);
  const plural = (n: number, unit: string) =>
    n === 1 ? `the last ${unit}` : `the last ${n} ${unit}s`;
  if (minutes < 60) return plural(minutes, 'minute');
  const hours = Math.round(minutes / 60);
  if (hours < 48) return plural(hours, 'hour');
  return plural(Math.round(hours / 24), 'day');
}

const calls = (n: number) => (n === 1 ? '1 call' : `${n} calls`);

/** Sources shown by name; the rest are counted, so a busy key keeps a short line. */
export const SOURCES_SHOWN = 5;

/** "proxy orders-v1 from 10.0.0.1 (40 calls)". */
export function describeSource(source: KeyTrafficSummary['sources'][0]) {
  const where = [
    source.proxy ? `proxy ${source.proxy}` : undefined,
    source.client ? `from ${source.client}` : undefined,
  ]
    .filter(Boolean)
    .join(' ');
  return `${where || 'unknown source'} (${calls(source.calls)})`;
}

/** "42 calls in the last hour, last call 5 minutes ago, by proxy a (40 calls), …". */
export function describeTraffic(traffic: KeyTrafficSummary): string {
  if (traffic.calls === 0) return `No calls in ${describeWindow(traffic)}`;
  const parts = [`${calls(traffic.calls)} in ${describeWindow(traffic)}`];
  const lastCall = formatRelative(traffic.lastCallAt);
  if (lastCall) parts.push(`last call ${lastCall}`);
  const named = traffic.sources.slice(0, SOURCES_SHOWN).map(describeSource);
  const more = traffic.sources.length - named.length;
  if (named.length > 0) {
    parts.push(
      `by ${named.join(', ')}${more > 0 ? ` and ${more} more sources` : ''}`,
    );
  }
  return parts.join(', ');
}

/**
 * What is happening to an old key and what happens next, in one or two sentences.
 * `retiredByTime`: the binding deletes old keys when their grace ends, without checks.
 */
export function describeOldKey(
  key: OldKeySummary,
  retiredByTime: boolean,
  now = Date.now(),
): string {
  const nextCheck = formatRelative(key.nextCheckAt);
  switch (key.state) {
    case 'in-grace':
      return `In grace until ${until(key.graceEndsAt)}; ${
        retiredByTime
          ? 'then it is deleted.'
          : 'then the plugin checks whether anything still calls with it.'
      }`;
    case 'checking':
      return `No calls seen${
        key.traffic ? ` in ${describeWindow(key.traffic)}` : ''
      }. ${
        nextCheck ? `Checked again ${nextCheck}` : 'Checked once more'
      }; deleted if still silent.`;
    case 'in-use':
      return key.traffic
        ? `Still used: ${describeTraffic(key.traffic)}.`
        : 'Still used: the last check saw calls with it.';
    case 'waiting-for-analytics':
      return `Waiting for analytics: ${
        key.reason ?? 'Apigee analytics did not answer'
      }. Never deleted on missing data${
        nextCheck ? `; checked again ${nextCheck}` : ''
      }.`;
    case 'revoked': {
      const by = key.revokedBy
        ? `by ${formatActor(key.revokedBy)}`
        : 'at its deadline';
      const when = formatRelative(key.revokedAt);
      const revoked = `Revoked${when ? ` ${when}` : ''} ${by}`;
      return isRestorable(key, now)
        ? `${revoked}; restorable until ${until(key.restorableUntil!)}.`
        : `${revoked}; the restore window is over, so it is deleted next.`;
    }
    case 'deleted': {
      const when = formatRelative(key.deletedAt);
      return `Deleted${when ? ` ${when}` : ''}.`;
    }
    case 'blocked':
      return `Blocked: this key is in AWSCURRENT again, so it is never deleted.${
        key.reason ? ` ${key.reason}` : ''
      }`;
    default:
      return key.reason ?? '';
  }
}

/** When the key is revoked if still used, for the states that still lead there. */
export function describeDeadline(
  key: OldKeySummary,
  retiredByTime: boolean,
): string | undefined {
  if (!isRevocable(key)) return undefined;
  if (key.deadlineAt) {
    return `revoked ${formatRelative(key.deadlineAt)} if still used`;
  }
  return retiredByTime ? 'deleted when its grace period ends' : undefined;
}

/** "1 still used, 1 in grace": the old keys at a glance, for the row's details line. */
export function summarizeOldKeys(oldKeys: OldKeySummary[]): string {
  const counts = new Map<string, number>();
  for (const key of oldKeys) {
    const label = OLD_KEY_STATE[key.state]?.label ?? key.state;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return [...counts]
    .map(([label, count]) => `${count} ${label.toLocaleLowerCase('en-US')}`)
    .join(', ');
}
