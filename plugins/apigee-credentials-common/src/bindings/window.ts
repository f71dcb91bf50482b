import { IANAZone } from 'luxon';
import { RotationWindow } from './types';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

function dayNumber(name: string): number {
  const index = DAYS.indexOf(name.toLocaleLowerCase('en-US'));
  if (index < 0) {
    throw new Error(`unknown weekday "${name}" (use Mon, Tue, … Sun)`);
  }
  return index + 1;
}

/**
 * Parses a rotation window written as `<days> <HH:mm>-<HH:mm> <IANA time zone>`,
 * e.g. `Mon-Fri 09:00-17:00 Europe/Berlin` or `Tue,Thu 22:00-23:30 UTC`.
 * Throws an Error with a readable message when the text is not a window.
 *
 * @public
 */
export function parseRotationWindow(text: string): RotationWindow {
  const parts = text.trim().split(/\s+/);
  if (parts.length !== 3) {
    throw new Error(
      `expected "<days> <HH:mm>-<HH:mm> <time zone>", e.g. "Mon-Fri 09:00-17:00 Europe/Berlin"`,
    );
  }
  const [daysText, hoursText, timeZone] = parts;

  const days = new Set<number>();
  for (const item of daysText.split(',')) {
    const [from, to, ...rest] = item.split('-');
    if (rest.length > 0 || !from) {
      throw new Error(`bad day range "${item}"`);
    }
    const first = dayNumber(from);
    const last = to === undefined ? first : dayNumber(to);
    if (last < first) {
      throw new Error(`day range "${item}" runs backwards`);
    }
    for (let day = first; day <= last; day++) days.add(day);
  }

  const [start, end, ...extra] = hoursText.split('-');
  if (extra.length > 0 || !TIME.test(start ?? '') || !TIME.test(end ?? '')) {
    throw new Error(
      `bad hours "${hoursText}" (use HH:mm-HH:mm, 24-hour clock)`,
    );
  }
  if (start >= end) {
    throw new Error(`hours "${hoursText}" must end after they start`);
  }
  if (!IANAZone.isValidZone(timeZone)) {
    throw new Error(
      `unknown time zone "${timeZone}" (use an IANA name such as Europe/Berlin)`,
    );
  }
  return { days: [...days].sort(), start, end, timeZone };
}
