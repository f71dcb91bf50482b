import {
  StepContext,
  approvedProducts,
  findKeyByFingerprint,
} from '../context';
import { RotationFailure } from '../failures';

/**
 * `imported → associated` (second half of setSecret): gives the new key exactly the
 * API products the current key is approved for (Apigee adds none on import),
 * approves manual-approval associations, and approves the key itself if needed.
 */
export async function associateStep(ctx: StepContext): Promise<void> {
  const pending = await ctx.requirePending();
  // A key this run imported has no products yet (KeyProvider.importKey), and the current
  // key's products are as the run last read them: this run does not change that key.
  const importedHere = ctx.memory.importedKey === pending.consumerKey;
  const app =
    importedHere && ctx.memory.app ? ctx.memory.app : await ctx.getApp();
  const currentKey = findKeyByFingerprint(app, ctx.rotation.oldKeyFingerprint);
  if (!currentKey) {
    throw new RotationFailure(
      'drift',
      `The current key ${ctx.rotation.oldKeyFingerprint} is no longer in app ${app.app}; its products cannot be copied`,
    );
  }
  const expected = approvedProducts(currentKey);
  if (expected.length === 0) {
    throw new RotationFailure(
      'parity',
      `The current key ${ctx.rotation.oldKeyFingerprint} is approved for no API product; there is nothing to copy`,
    );
  }
  const ignored = currentKey.apiProducts.filter(p => p.status !== 'approved');
  if (ignored.length > 0) {
    ctx.logger.info(
      `Not copying ${ignored
        .map(p => `${p.apiProduct} (${p.status})`)
        .join(', ')}: the current key is not approved for them`,
    );
  }

  const newKey = importedHere
    ? { apiProducts: [] }
    : app.keys.find(k => k.consumerKey === pending.consumerKey);
  if (!newKey) {
    throw new RotationFailure(
      'internal',
      `The imported key ${ctx.rotation.newKeyFingerprint} is missing from app ${app.app}`,
    );
  }
  const missing = expected.filter(
    p => !newKey.apiProducts.some(a => a.apiProduct === p),
  );
  // The statuses Apigee gave the associations and the key decide what to approve: from the
  // provider's answer to the change when it gives the key, else read after the change.
  const answered =
    missing.length > 0
      ? await ctx.changeApp('associate API products', () =>
          ctx.provider.addApiProducts(ctx.appRef, pending.consumerKey, missing),
        )
      : undefined;
  const updated =
    answered ||
    (await ctx.getApp()).keys.find(k => k.consumerKey === pending.consumerKey);
  for (const product of expected) {
    const association = updated?.apiProducts.find(
      a => a.apiProduct === product,
    );
    if (association && association.status === 'pending') {
      // A manual-approval product: the current key holds an approved association, so the
      // new key may have one too.
      await ctx.changeApp(`approve API product ${product}`, () =>
        ctx.provider.approveApiProduct(
          ctx.appRef,
          pending.consumerKey,
          product,
        ),
      );
    }
  }
  if (updated && updated.status !== 'approved') {
    await ctx.changeApp('approve the key', () =>
      ctx.provider.approveKey(ctx.appRef, pending.consumerKey),
    );
  }
  await ctx.advance('associated', { associatedAt: ctx.now });
}
