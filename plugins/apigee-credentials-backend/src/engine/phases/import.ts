import {
  DeveloperAppDetails,
  fingerprint,
  isKeyProviderError,
} from '@keyrotation/backstage-plugin-apigee-credentials-node';
import { StepContext } from '../context';
import { RotationFailure } from '../failures';

/**
 * `created → imported` (first half of setSecret): imports the pending key pair into
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

/**
 * If the app holds `limit` keys, makes room for one more. Only keys the plugin itself
 * rotated out of this very binding and whose grace period is over may go (the deletions the
 * schedule would make anyway, made early), oldest first; never a key that any binding of the
 * app records as its current key, never a key the plugin did not issue for this binding. An
 * app shared by several consumers therefore never loses another consumer's key. Fails with
 * `key-limit` and a reason naming what blocks it when nothing may go.
 */
export async function makeRoomForKey(
  ctx: StepContext,
  seen: DeveloperAppDetails,
  limit: number | undefined,
): Promise<void> {
  if (!limit || seen.keys.length < limit) return;
  // Decided on the app and AWSCURRENT as they are now, not as this run last saw them: a key
  // made current elsewhere meanwhile must not be deleted.
  const app = await ctx.getApp({ fresh: true });
  if (app.keys.length < limit) return;
  const now = ctx.now;
  const deletions = await ctx.deps.store.listPendingDeletions(ctx.binding.id);
  const pastGrace = new Set(
    deletions
      .filter(d => d.status === 'scheduled' && d.dueAt <= now)
      .map(d => d.keyFingerprint),
  );
  const inGrace = deletions.filter(
    d => d.status === 'scheduled' && d.dueAt > now,
  ).length;
  const current = await ctx.readCurrent({ fresh: true });
  const heldElsewhere = await currentKeysOfOtherBindings(ctx);
  const protectedKeys = new Set([
    fingerprint(current.consumerKey),
    ctx.rotation.newKeyFingerprint,
    ...heldElsewhere,
  ]);
  const candidates = app.keys
    .filter(k => {
      const keyFingerprint = fingerprint(k.consumerKey);
      return (
        pastGrace.has(keyFingerprint) && !protectedKeys.has(keyFingerprint)
      );
    })
    .sort(
      (a, b) => (a.issuedAt?.getTime() ?? 0) - (b.issuedAt?.getTime() ?? 0),
    );
  const needed = app.keys.length - limit + 1;
  if (candidates.length < needed) {
    const others = app.keys.filter(k =>
      heldElsewhere.has(fingerprint(k.consumerKey)),
    ).length;
    throw new RotationFailure(
      'key-limit',
      `App ${app.app} of ${app.developer} holds ${
        app.keys.length
      } keys, the most it may have (${limit}), and none can be deleted to make room: the plugin only deletes keys it rotated out of this credential whose grace period is over. Besides the current key, ${inGrace} key(s) of this credential are in their grace period, ${others} key(s) are the current keys of other credentials of the app, and ${
        app.keys.length - 1 - inGrace - others - candidates.length
      } key(s) were not issued by the plugin for this credential. Delete unused keys of the app in Apigee, raise its key limit, or wait for the grace period to end.`,
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

/** Fingerprints of the keys other bindings of the same app record as current. */
async function currentKeysOfOtherBindings(
  ctx: StepContext,
): Promise<Set<string>> {
  const keys = new Set<string>();
  for (const other of await ctx.deps.store.listBindings()) {
    const { binding } = other;
    if (
      binding.id !== ctx.binding.id &&
      binding.provider === ctx.binding.provider &&
      binding.app === ctx.binding.app &&
      binding.developer.toLowerCase() === ctx.binding.developer.toLowerCase() &&
      other.currentKeyFingerprint
    ) {
      keys.add(other.currentKeyFingerprint);
    }
  }
  return keys;
}
