import { durationToMs } from './durations';
import { EngineSettings } from './settings';
import { CredentialBinding } from './types';

/**
 * When a binding is checked next: one check interval from now, and never later than its
 * rotation is due, so that the pass that finds it due is on time. A binding's first check
 * after its adoption comes after a random part of the interval instead (`spread`), so that a
 * fleet adopted at once makes an even load from then on.
 */
export function nextCheckAt(
  now: Date,
  settings: Pick<EngineSettings, 'checkIntervalMs'>,
  rotationDueAt?: Date,
  spread?: () => number,
): Date {
  const part = spread ? spread() : 1;
  const next =
    now.getTime() + Math.max(1, Math.round(settings.checkIntervalMs * part));
  const due = rotationDueAt?.getTime();
  return new Date(
    due !== undefined && due > now.getTime() && due < next ? due : next,
  );
}

/** The binding's maximum key age: its own, or the engine default. */
export function maxAgeMsOf(
  binding: CredentialBinding,
  settings: Pick<EngineSettings, 'maxAgeMs'>,
): number {
  return binding.maxAge !== undefined
    ? durationToMs(binding.maxAge, `maxAge of ${binding.id}`)
    : settings.maxAgeMs;
}
