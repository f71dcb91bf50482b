import { durationToMs } from './durations';
import { EngineSettings } from './settings';
import { CredentialBinding } from './types';

/**
 * When a binding is checked next: one check interval from now, spread by ±25% so that
 * bindings adopted together (a fleet's first pass) drift apart and make an even load; but
 * no later than its rotation is due, so that the pass that finds it due is on time.
 */
export function nextCheckAt(
  now: Date,
  settings: Pick<EngineSettings, 'checkIntervalMs'>,
  rotationDueAt?: Date,
  random: () => number = Math.random,
): Date {
  const spread = 0.75 + random() * 0.5;
  const next = now.getTime() + Math.round(settings.checkIntervalMs * spread);
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
