import {
  DeveloperAppDetails,
  assessKeyUsability,
  fingerprint,
} from '@keyrotation/backstage-plugin-apigee-credentials-node';
import { MalformedSecretError } from '../../secrets/secretValue';
import { StepContext, findKeyByFingerprint } from '../context';
import { RotationFailure } from '../failures';
import { generateApiKeyPair } from '../keyGeneration';
import { DriftProblem } from '../types';

/**
 * `started → created` (the createSecret step of AWS rotation): checks the current
 * credential, then stores a new key and secret as AWSPENDING with the rotation id as
 * ClientRequestToken. A rerun after a crash finds that version and keeps its value.
 */
export async function createStep(ctx: StepContext): Promise<void> {
  // The reads do not depend on each other, so they go out together. The app is needed only
  // for a new version, which a rotation begun in this run is known to need.
  const app =
    ctx.memory.pending === null ? ctx.getApp() : Promise.resolve(undefined);
  app.catch(() => undefined); // awaited (and reported) below, unless an earlier read failed
  const pendingRead = ctx.readPending();
  pendingRead.catch(() => undefined);
  let current;
  try {
    current = await ctx.readCurrent();
  } catch (error) {
    if (!(error instanceof MalformedSecretError)) throw error;
    await refuseForDrift(ctx, [
      { code: 'secret-malformed', message: error.message },
    ]);
    return;
  }
  const currentFingerprint = fingerprint(current.consumerKey);
  const pending = await pendingRead;

  let newKey: string;
  if (pending) {
    ctx.logger.info(
      `Pending version of rotation ${
        ctx.rotation.id
      } already stored; keeping it (${fingerprint(pending.consumerKey)})`,
    );
    newKey = pending.consumerKey;
  } else {
    await preflight(
      ctx,
      currentFingerprint,
      (await app) ?? (await ctx.getApp()),
    );
    const pair = generateApiKeyPair({
      keyLength: ctx.deps.settings.keyLength,
      secretLength: ctx.deps.settings.secretLength,
    });
    // Every other field of the secret is kept as it is.
    await ctx.putPending(current.document, pair);
    newKey = pair.consumerKey;
  }

  await ctx.advance('created', {
    oldKeyFingerprint: currentFingerprint,
    newKeyFingerprint: fingerprint(newKey),
    previousVersionId: current.versionId,
  });
}

/**
 * Refuses to rotate a credential that is not healthy now (drift): parity needs a current key
 * with products, and the invariant needs a working AWSCURRENT to fall back on. Adopts the
 * binding (records the current key's issue time) the first time.
 */
async function preflight(
  ctx: StepContext,
  currentFingerprint: string,
  app: DeveloperAppDetails,
): Promise<void> {
  const key = findKeyByFingerprint(app, currentFingerprint);
  const problems: DriftProblem[] = assessKeyUsability(app, key, {
    now: ctx.now,
  }).problems;
  const known = ctx.stored.currentKeyFingerprint;
  if (known && known !== currentFingerprint && problems.length === 0) {
    const message = `AWSCURRENT holds key ${currentFingerprint}, not ${known} as last recorded: it was replaced outside the plugin`;
    if (ctx.rotation.trigger === 'schedule') {
      problems.push({ code: 'replaced-outside-plugin', message });
    } else {
      // A person asked for this rotation: accept the current key as the starting point.
      ctx.logger.warn(
        `${message}; adopting it because the rotation was requested explicitly`,
      );
    }
  }
  if (problems.length > 0) await refuseForDrift(ctx, problems);
  const adopt = !ctx.stored.adoptedAt || known !== currentFingerprint;
  // Healthy: clear recorded drift and adopt if needed. When there is neither (the scheduled
  // pass has just checked), nothing is written; the completion records the check anyway.
  if (!adopt && !ctx.stored.drift?.length) return;
  await ctx.deps.store.recordDrift(
    ctx.binding.id,
    [],
    ctx.now,
    adopt
      ? { currentKeyFingerprint: currentFingerprint, bornAt: key?.issuedAt }
      : undefined,
  );
  if (adopt) {
    ctx.logger.info(
      `Adopted credential ${
        ctx.binding.id
      }: current key ${currentFingerprint} issued ${
        key?.issuedAt?.toISOString() ?? 'at an unknown time'
      }`,
    );
  }
}

/** Records the drift and fails the rotation (nothing has been changed yet). */
async function refuseForDrift(
  ctx: StepContext,
  problems: DriftProblem[],
): Promise<never> {
  await ctx.deps.store.recordDrift(ctx.binding.id, problems, ctx.now);
  ctx.deps.emit({
    type: 'drift.detected',
    bindingId: ctx.binding.id,
    problems,
  });
  throw new RotationFailure(
    'drift',
    `The current credential is not healthy, so it is not rotated: ${problems
      .map(p => p.message)
      .join('; ')}`,
  );
}
