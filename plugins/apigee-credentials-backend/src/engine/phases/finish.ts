import { randomUUID } from 'node:crypto';
import { maxAgeMsOf, nextCheckAt } from '../checkSchedule';
import { durationToMs } from '../durations';
import { StepContext } from '../context';
import { versionWithStage } from './promote';

/**
 * `promoted → completed`: removes AWSPENDING from the new version (a dangling AWSPENDING
 * blocks later rotations), then in one transaction records the new key as the binding's
 * current one and schedules the old key's deletion for the end of the grace period, counted
 * from the promotion. The same write releases the lease.
 */
export async function finishStep(ctx: StepContext): Promise<void> {
  const token = ctx.rotation.id;
  // The run that promoted knows where the labels are (AWSPENDING stays on the promoted
  // version: moving AWSCURRENT does not remove it); a resumed run looks first.
  const stages = ctx.memory.promoted ? undefined : await ctx.describeStages();
  if (!stages || stages[token]?.includes('AWSPENDING')) {
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
  if (stages && versionWithStage(stages, 'AWSCURRENT') !== token) {
    ctx.logger.warn(
      `AWSCURRENT is no longer on version ${token} after the promotion; it was changed elsewhere`,
    );
  }

  const promotedAt = ctx.rotation.promotedAt ?? ctx.now;
  const gracePeriodMs =
    ctx.binding.gracePeriod !== undefined
      ? durationToMs(
          ctx.binding.gracePeriod,
          `gracePeriod of ${ctx.binding.id}`,
        )
      : ctx.deps.settings.gracePeriodMs;
  const oldKey = ctx.rotation.oldKeyFingerprint;
  const newKey = ctx.rotation.newKeyFingerprint!;
  await ctx.checkpoint('completed:effect');
  const bornAt = ctx.rotation.newKeyIssuedAt ?? promotedAt;
  const rotationDueAt = new Date(
    bornAt.getTime() + maxAgeMsOf(ctx.binding, ctx.deps.settings),
  );
  await ctx.complete({
    newKeyFingerprint: newKey,
    bornAt,
    // The rotation id is the new version's ClientRequestToken, hence its VersionId.
    currentVersionId: token,
    rotationDueAt,
    nextCheckAt: nextCheckAt(ctx.now, ctx.deps.settings, rotationDueAt),
    deletion:
      oldKey && oldKey !== newKey
        ? {
            id: randomUUID(),
            keyFingerprint: oldKey,
            dueAt: new Date(promotedAt.getTime() + gracePeriodMs),
          }
        : undefined,
  });
  ctx.logger.info(
    `Rotation ${token} of ${
      ctx.binding.id
    } completed: ${oldKey} → ${newKey}; the old key is deleted after ${new Date(
      promotedAt.getTime() + gracePeriodMs,
    ).toISOString()}`,
  );
  ctx.deps.emit({
    type: 'rotation.phase',
    bindingId: ctx.binding.id,
    rotationId: token,
    phase: 'completed',
  });
  await ctx.checkpoint('completed:persisted');
}
