/** The steps of a rotation as the user sees them (see docs/protocol.md, Phases). */
export const ROTATION_STEPS = [
  'Create a new key',
  'Add it to the Apigee app',
  'Verify the new key',
  'Update the secret',
] as const;

/** The same steps, as they read while running. */
const STEP_IN_PROGRESS = [
  'creating a new key',
  'adding it to the Apigee app',
  'verifying the new key',
  'updating the secret',
] as const;

/**
 * The step a phase is working on. The backend reports either its persisted phase, named
 * after the step just completed (`created`, `imported`, …), or the protocol step in
 * progress (`create`, `set`, …); both vocabularies are understood. `ROTATION_STEPS.length`
 * means every step is done.
 */
const STEP_OF_PHASE: Record<string, number> = {
  lease: 0,
  started: 0,
  create: 0,
  created: 1,
  set: 1,
  import: 1,
  imported: 1,
  associate: 1,
  associated: 2,
  test: 2,
  tested: 3,
  finish: 3,
  promote: 3,
  promoted: 4,
  retire: 4,
  completed: 4,
  done: 4,
};

export function stepOfPhase(phase: string): number | undefined {
  return STEP_OF_PHASE[phase];
}

/** Plain words for a phase, e.g. in "Rotating prod: verifying the new key". */
export function describePhase(phase: string): string {
  if (phase === 'rolling_back' || phase === 'rollback') {
    return 'rolling back (the current key stays in place)';
  }
  const step = stepOfPhase(phase);
  if (step === undefined) return phase;
  if (step >= ROTATION_STEPS.length) return 'finishing';
  return STEP_IN_PROGRESS[step];
}
