import { StepContext } from '../context';
import { RotationFailure } from '../failures';

/** The version holding a staging label, if any. */
export function versionWithStage(
  stages: Record<string, string[]>,
  stage: string,
): string | undefined {
  return Object.entries(stages).find(([, labels]) =>
    labels.includes(stage),
  )?.[0];
}

/**
 * `tested → promoted` (DESIGN.md §3 step 5, ref C.6 finishSecret): moves AWSCURRENT to the
 * rotation's version; Secrets Manager moves AWSPREVIOUS to the old one. Refused when
 * AWSCURRENT changed since the rotation began (someone else wrote the secret). Once this step
 * has happened the rotation is only ever finished, never rolled back.
 */
export async function promoteStep(ctx: StepContext): Promise<void> {
  const token = ctx.rotation.id;
  const stages = await ctx.describeStages();
  const current = versionWithStage(stages, 'AWSCURRENT');
  if (current !== token) {
    if (current !== ctx.rotation.previousVersionId) {
      throw new RotationFailure(
        'secret-changed',
        `AWSCURRENT moved from version ${ctx.rotation.previousVersionId} to ${current} while the rotation ran; the new key is not promoted over a change made elsewhere`,
      );
    }
    try {
      await ctx.retry('promote to AWSCURRENT', () =>
        ctx.deps.secrets.updateStage(ctx.binding.secret, 'AWSCURRENT', {
          moveToVersionId: token,
          removeFromVersionId: current,
        }),
      );
    } catch (error) {
      // A call can fail after it took effect (timeout, lost answer): look before failing.
      const after = await ctx.describeStages();
      if (versionWithStage(after, 'AWSCURRENT') !== token) throw error;
    }
  }
  await ctx.advance('promoted', { promotedAt: ctx.now });
}
