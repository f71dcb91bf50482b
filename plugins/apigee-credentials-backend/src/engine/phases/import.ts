import {
  ApiKeyDetails,
  DeveloperAppDetails,
  fingerprint,
  isKeyProviderError,
} from '@keyrotation/backstage-plugin-apigee-credentials-node';
import { StepContext } from '../context';
import { RotationFailure } from '../failures';

/**
 * `created → imported` (DESIGN.md §3 step 3, first half): imports the pending key pair into
 * the developer app, making room first when the app is at its key limit.
 */
export async function importStep(ctx: StepContext): Promise<void> {
  const pending = await ctx.requirePending();
  // Within the run that created the version, the app as read then: only this run adds keys.
  const app = await ctx.getApp();
  if (!app.keys.some(k => k.consumerKey === pending.consumerKey)) {
    await makeRoomForKey(ctx, app, ctx.provider.maxKeysPerApp);
    const key = {
      consumerKey: pending.consumerKey,
      consumerSecret: pending.consumerSecret,
    };
    try {
      await ctx.changeApp('import the key', () =>
        ctx.provider.importKey(ctx.appRef, key),
      );
    } catch (error) {
      if (!isKeyProviderError(error) || error.kind !== 'key-limit') throw error;
      // The provider did not tell us its limit beforehand (or a key was added elsewhere):
      // the app's size now is the limit.
      const full = await ctx.getApp({ fresh: true });
      await makeRoomForKey(ctx, full, full.keys.length);
      await ctx.changeApp('import the key', () =>
        ctx.provider.importKey(ctx.appRef, key),
      );
    }
    ctx.memory.importedKey = key.consumerKey;
  }
  await ctx.advance('imported');
}

/** Lower is deleted first: dead keys, then keys past their grace period, then the oldest. */
function deletionRank(
  key: ApiKeyDetails,
  dueFingerprints: Set<string>,
  now: Date,
): number {
  if (key.status === 'revoked' || (key.expiresAt && key.expiresAt <= now))
    return 0;
  if (dueFingerprints.has(fingerprint(key.consumerKey))) return 1;
  return 2;
}

/**
 * If the app holds `limit` keys, deletes keys that are neither current nor pending nor in a
 * grace period, so that one more fits; never the current key. Fails with a clear reason
 * when no key may go.
 */
export async function makeRoomForKey(
  ctx: StepContext,
  seen: DeveloperAppDetails,
  limit: number | undefined,
): Promise<void> {
  if (!limit || seen.keys.length < limit) return;
  // Which keys to delete is decided on the app and AWSCURRENT as they are now, not as this
  // run last saw them: a key made current elsewhere meanwhile must not be deleted.
  const app = await ctx.getApp({ fresh: true });
  if (app.keys.length < limit) return;
  const now = ctx.now;
  const deletions = await ctx.deps.store.listPendingDeletions(ctx.binding.id);
  const inGrace = new Set(
    deletions
      .filter(d => d.status !== 'scheduled' || d.dueAt > now)
      .map(d => d.keyFingerprint),
  );
  const due = new Set(
    deletions
      .filter(d => d.status === 'scheduled' && d.dueAt <= now)
      .map(d => d.keyFingerprint),
  );
  const current = await ctx.readCurrent({ fresh: true });
  const protectedKeys = new Set([
    fingerprint(current.consumerKey),
    ctx.rotation.oldKeyFingerprint,
    ctx.rotation.newKeyFingerprint,
    ...inGrace,
  ]);
  const candidates = app.keys
    .filter(k => !protectedKeys.has(fingerprint(k.consumerKey)))
    .sort(
      (a, b) =>
        deletionRank(a, due, now) - deletionRank(b, due, now) ||
        (a.issuedAt?.getTime() ?? 0) - (b.issuedAt?.getTime() ?? 0),
    );
  const needed = app.keys.length - limit + 1;
  if (candidates.length < needed) {
    const graceCount = app.keys.filter(k =>
      inGrace.has(fingerprint(k.consumerKey)),
    ).length;
    throw new RotationFailure(
      'key-limit',
      `App ${app.app} of ${app.developer} holds ${app.keys.length} keys, the most it may have (${limit}), and none can be deleted to make room: besides the current key, ${graceCount} key(s) are in their grace period. Delete unused keys of the app or wait for the grace period to end.`,
    );
  }
  for (const key of candidates.slice(0, needed)) {
    const keyFingerprint = fingerprint(key.consumerKey);
    ctx.logger.warn(
      `App ${
        app.app
      } is at its limit of ${limit} keys: deleting key ${keyFingerprint} (${
        key.status
      }, issued ${
        key.issuedAt?.toISOString() ?? 'at an unknown time'
      }) to make room`,
    );
    await ctx.changeApp('delete a key to make room', () =>
      ctx.provider.deleteKey(ctx.appRef, key.consumerKey),
    );
    for (const deletion of deletions.filter(
      d => d.keyFingerprint === keyFingerprint,
    )) {
      await ctx.deps.store.updateDeletion(deletion.id, {
        status: 'deleted',
        deletedAt: now,
      });
    }
    ctx.deps.emit({
      type: 'key.deleted',
      bindingId: ctx.binding.id,
      keyFingerprint,
      reason: 'key-limit',
    });
  }
}
