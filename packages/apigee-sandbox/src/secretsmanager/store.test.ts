import { randomUUID } from 'node:crypto';
import { DAY_MS, HOUR_MS, TestClock } from './__testUtils__/server';
import { SecretsManagerError } from './errors';
import { SecretsManagerStore } from './store';
import { Caller } from './types';

const caller: Caller = { accountId: '123456789012', region: 'eu-central-1' };

function newStore(options: { maxVersionsPerSecret?: number } = {}) {
  const clock = new TestClock();
  const store = new SecretsManagerStore({
    accounts: [
      { accountId: caller.accountId, accessKeyId: 'TESTTESTSTORE0000001' },
    ],
    now: clock.now,
    ...options,
  });
  return { store, clock };
}

function put(
  store: SecretsManagerStore,
  name: string,
  value: string,
  stages?: string[],
) {
  return store.putSecretValue(caller, {
    SecretId: name,
    SecretString: value,
    ClientRequestToken: randomUUID(),
    VersionStages: stages,
  });
}

function errorOf(fn: () => unknown): SecretsManagerError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SecretsManagerError) return error;
    throw error;
  }
  throw new Error('expected a SecretsManagerError');
}

describe('SecretsManagerStore', () => {
  it('seeds a secret with one AWSCURRENT version and refuses a second seed of the same name', () => {
    const { store } = newStore();
    const seeded = store.seedSecret({
      accountId: caller.accountId,
      region: caller.region,
      name: 'seeded',
      secretString: '{"k":"v"}',
      description: 'from seed',
      tags: [{ Key: 'owner', Value: 'me' }],
    });
    expect(seeded.arn).toMatch(
      /^arn:aws:secretsmanager:eu-central-1:123456789012:secret:seeded-[A-Za-z0-9]{6}$/,
    );
    expect(store.getSecretValue(caller, { SecretId: 'seeded' })).toMatchObject({
      VersionId: seeded.versionId,
      SecretString: '{"k":"v"}',
      VersionStages: ['AWSCURRENT'],
    });
    expect(
      errorOf(() =>
        store.seedSecret({
          accountId: caller.accountId,
          region: caller.region,
          name: 'seeded',
          secretString: 'x',
        }),
      ).type,
    ).toBe('ResourceExistsException');
  });

  it('round-trips its state through JSON: values, labels, dates, tags, deletion schedule, accounts', () => {
    const { store, clock } = newStore();
    store.seedSecret({
      accountId: caller.accountId,
      region: caller.region,
      name: 'a',
      secretString: 'one',
      tags: [{ Key: 't', Value: '1' }],
    });
    clock.advance(HOUR_MS);
    put(store, 'a', 'two');
    store.createSecret(caller, {
      Name: 'b',
      SecretBinary: Buffer.from([1, 2, 3]).toString('base64'),
    });
    store.deleteSecret(caller, { SecretId: 'b', RecoveryWindowInDays: 10 });
    store.getSecretValue(caller, { SecretId: 'a' });

    const json = JSON.parse(JSON.stringify(store.toJSON()));
    const restored = SecretsManagerStore.fromJSON(json, { now: clock.now });
    expect(restored.toJSON()).toEqual(json);
    expect(restored.accountForAccessKey('TESTTESTSTORE0000001')).toBe(
      caller.accountId,
    );
    expect(
      restored.getSecretValue(caller, {
        SecretId: 'a',
        VersionStage: 'AWSPREVIOUS',
      }).SecretString,
    ).toBe('one');
    expect(
      restored.describeSecret(caller, { SecretId: 'b' }).DeletedDate,
    ).toEqual(clock.now());
    expect(
      restored.describeSecret(caller, { SecretId: 'a' }).LastAccessedDate,
    ).toEqual(new Date('2025-03-01T00:00:00Z'));
  });

  it('refuses invalid saved state with a readable error', () => {
    expect(() =>
      SecretsManagerStore.fromJSON({ format: 'something-else', secrets: [] }),
    ).toThrow(/Invalid Secrets Manager sandbox state/);
  });

  describe('version quota', () => {
    it('removes unlabeled versions at least 24 h old, oldest first, and never labeled or younger ones', () => {
      const { store, clock } = newStore({ maxVersionsPerSecret: 4 });
      store.seedSecret({
        accountId: caller.accountId,
        region: caller.region,
        name: 's',
        secretString: 'v0',
      });
      const v1 = put(store, 's', 'v1', ['KEEP']).VersionId as string; // labeled: never removed
      const v2 = put(store, 's', 'v2').VersionId as string; // becomes AWSPREVIOUS, then unlabeled
      const v3 = put(store, 's', 'v3').VersionId as string;
      // 4 versions, all younger than 24 h: no room.
      expect(errorOf(() => put(store, 's', 'v4')).type).toBe(
        'LimitExceededException',
      );

      clock.advance(DAY_MS);
      const v4 = put(store, 's', 'v4').VersionId as string;
      const kept = store
        .inspectSecret(caller.accountId, caller.region, 's')!
        .versions.map(v => v.versionId);
      expect(kept).toEqual([v1, v2, v3, v4]); // v0 (unlabeled, oldest) was removed

      // v2 is unlabeled and old now; v1 keeps its label; v3 is AWSPREVIOUS.
      const v5 = put(store, 's', 'v5').VersionId as string;
      expect(
        store
          .inspectSecret(caller.accountId, caller.region, 's')!
          .versions.map(v => v.versionId),
      ).toEqual([v1, v3, v4, v5]);
    });
  });

  it('purges a secret when its recovery window ends, using the injected clock', () => {
    const { store, clock } = newStore();
    store.seedSecret({
      accountId: caller.accountId,
      region: caller.region,
      name: 'bye',
      secretString: 'x',
    });
    store.deleteSecret(caller, { SecretId: 'bye', RecoveryWindowInDays: 7 });
    clock.advance(7 * DAY_MS - 1);
    expect(store.describeSecret(caller, { SecretId: 'bye' }).Name).toBe('bye');
    clock.advance(1);
    expect(
      errorOf(() => store.describeSecret(caller, { SecretId: 'bye' })).type,
    ).toBe('ResourceNotFoundException');
  });

  it('matches the ListSecrets "all" filter against words of name, description and tags', () => {
    const { store } = newStore();
    store.createSecret(caller, {
      Name: 'credsDatabase892',
      Description: 'Main store',
    });
    store.createSecret(caller, {
      Name: 'other',
      Tags: [{ Key: 'purpose', Value: 'database' }],
    });
    store.createSecret(caller, { Name: 'unrelated' });
    const names = (value: string) =>
      (
        store.listSecrets(caller, {
          Filters: [{ Key: 'all', Values: [value] }],
        }).SecretList as { Name: string }[]
      ).map(s => s.Name);
    expect(names('database')).toEqual(['credsDatabase892', 'other']);
    expect(names('892')).toEqual(['credsDatabase892']);
  });

  it('refuses removing AWSCURRENT without moving it, so a secret keeps a current value', () => {
    const { store } = newStore();
    const { versionId } = store.seedSecret({
      accountId: caller.accountId,
      region: caller.region,
      name: 'c',
      secretString: 'x',
    });
    const error = errorOf(() =>
      store.updateSecretVersionStage(caller, {
        SecretId: 'c',
        VersionStage: 'AWSCURRENT',
        RemoveFromVersionId: versionId,
      }),
    );
    expect(error.type).toBe('InvalidParameterException');
    expect(store.getSecretValue(caller, { SecretId: 'c' }).SecretString).toBe(
      'x',
    );
  });
});
