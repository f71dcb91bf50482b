import {
  fingerprint,
  isKeyProviderError,
} from '@keyrotation/backstage-plugin-apigee-credentials-node';
import { StepContext, findKeyByFingerprint } from '../context';
import { withoutRollbackNote } from '../failures';

/**
 * `rolling_back → failed`: undoes a rotation that failed before promotion. Deletes the new
 * key from the app and removes AWSPENDING from the new version; AWSCURRENT is never touched.
 * If AWSCURRENT turns out to be on the new version already (the promotion went through but
 * its answer was lost), the rotation is finished instead: the point of no return was passed.
 */
export async function rollbackStep(
  ctx: StepContext,
): Promise<'rolled-back' | 'rolled-forward'> {
  const token = ctx.rotation.id;
  const stages = await ctx.describeStages();
  if (stages[token]?.includes('AWSCURRENT')) {
    ctx.logger.warn(
      `AWSCURRENT is already on version ${token}: finishing the rotation instead of rolling it back`,
    );
    await ctx.advance('promoted', {
      promotedAt: ctx.rotation.promotedAt ?? ctx.now,
      failedPhase: null,
      errorCode: null,
      error: null,
    });
    return 'rolled-forward';
  }

  // The new key's fingerprint is stored with `created`, before the key is imported into the
  // app: a rotation that failed earlier has no key in Apigee, and nothing to delete there.
  const newFingerprint = ctx.rotation.newKeyFingerprint;
  if (newFingerprint) {
    const currentFingerprint = await ctx
      .readCurrent()
      .then(current => fingerprint(current.consumerKey))
      .catch(() => ctx.rotation.oldKeyFingerprint);
    if (newFingerprint === currentFingerprint) {
      ctx.logger.warn(
        `Key ${newFingerprint} is in AWSCURRENT; not deleting it`,
      );
    } else {
      await deleteNewKey(ctx, newFingerprint);
    }
  }

  if (stages[token]?.includes('AWSPENDING')) {
    try {
      await ctx.retry('remove AWSPENDING', () =>
        ctx.deps.secrets.updateStage(ctx.binding.secret, 'AWSPENDING', {
          removeFromVersionId: token,
        }),
      );
    } catch (error) {
      const after = await ctx.describeStages();
      if (after[token]?.includes('AWSPENDING')) throw error;
    }
  }
  await ctx.advance('failed', {
    finishedAt: ctx.now,
    error: withoutRollbackNote(ctx.rotation.error) ?? null,
  });
  return 'rolled-back';
}

async function deleteNewKey(
  ctx: StepContext,
  keyFingerprint: string,
): Promise<void> {
  let app;
  try {
    app = await ctx.getApp();
  } catch (error) {
    if (isKeyProviderError(error) && error.kind === 'not-found') return; // no app, no key
    throw error;
  }
  const key = findKeyByFingerprint(app, keyFingerprint);
  if (!key) return;
  await ctx.changeApp('delete the new key', () =>
    ctx.provider.deleteKey(ctx.appRef, key.consumerKey),
  );
  ctx.logger.info(
    `Deleted the new key ${keyFingerprint} from app ${ctx.binding.app}`,
  );
}
