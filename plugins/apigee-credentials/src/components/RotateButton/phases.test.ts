import { ROTATION_STEPS, describePhase, stepOfPhase } from './phases';

describe('rotation phases', () => {
  it('maps the persisted phases of the backend onto the visible steps in order', () => {
    const persisted = [
      'started',
      'created',
      'imported',
      'associated',
      'tested',
      'promoted',
      'completed',
    ];
    const steps = persisted.map(stepOfPhase);
    expect(steps).toEqual([0, 1, 1, 2, 3, 4, 4]);
    expect(steps[steps.length - 1]).toBe(ROTATION_STEPS.length);
  });

  it('maps the protocol step names too (create, set, test, finish, done)', () => {
    expect(
      ['create', 'set', 'test', 'finish', 'done'].map(stepOfPhase),
    ).toEqual([0, 1, 2, 3, 4]);
  });

  it('describes phases in words, and shows unknown phases as they are', () => {
    expect(describePhase('imported')).toBe('adding it to the Apigee app');
    expect(describePhase('tested')).toBe('updating the secret');
    expect(describePhase('completed')).toBe('finishing');
    expect(describePhase('rolling_back')).toMatch(/rolling back/);
    expect(describePhase('quantum-leap')).toBe('quantum-leap');
  });
});
