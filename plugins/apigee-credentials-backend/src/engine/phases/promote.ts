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
 * `tested → promoted` (the finishSecret step of AWS rotation): moves AWSCURRENT to the
 * rotation's version; Secrets Manager moves AWSPREVIOUS to the old one. Refused when
 * AWSCURRENT changed since the rotation began (someone else wrote the secret). Once this step
 * has happened the rotation is only ever finished, never rolled back.
 */
export async function promoteStep(ctx: StepContext): Promise<void> {
  const token = ctx.rotation.id;
  const previous = ctx.rotation.previousVersionId;
  try {
    // A compare-and-swap: Secrets Manager moves the label only if it is still on `previous`
    // (RemoveFromVersionId must name it), so no look beforehand is needed.
    await ctx.retry('promote to AWSCURRENT', () =>
      ctx.deps.secrets.updateStage(ctx.binding.secret, 'AWSCURRENT', {
        moveToVersionId: token,
        removeFromVersionId: previous,
      }),
    );
  } catch (error) {
    // Refused or failed: look where AWSCURRENT is. On this version already means an earlier
    // attempt went through (a lost answer, or a crash before the phase was stored).
    const current = versionWithStage(await ctx.describeStages(), 'AWSCURRENT');
    if (current !== token) {
      if (current !== previous) {
        throw new RotationFailure(
          'secret-changed',
          `AWSCURRENT moved from version ${previous} to ${current} while the rotation ran; the new key is not promoted over a change made elsewhere`,
        );
      }
      throw error;
    }
  }
  ctx.memory.promoted = true;
  ctx.memory.current = undefined; // AWSCURRENT is the new version now
  await ctx.advance('promoted', { promotedAt: ctx.now });
}
