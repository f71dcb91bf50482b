import {
  assessKeyUsability,
  fingerprint,
} from '@keyrotation/backstage-plugin-apigee-credentials-node';
import {
  MalformedSecretError,
  writeSecretCredential,
} from '../../secrets/secretValue';
import { StepContext, findKeyByFingerprint } from '../context';
import { RotationFailure } from '../failures';
import { generateApiKeyPair } from '../keyGeneration';
import { DriftProblem } from '../types';

/**
 * `started → created` (DESIGN.md §3 step 2, ref C.6 createSecret): checks the current
 * credential, then stores a new key and secret as AWSPENDING with the rotation id as
 * ClientRequestToken. A rerun after a crash finds that version and keeps its value.
 */
export async function createStep(ctx: StepContext): Promise<void> {
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
  const pending = await ctx.readPending();

  let newKey: string;
  if (pending) {
    ctx.logger.info(
      `Pending version of rotation ${
        ctx.rotation.id
      } already stored; keeping it (${fingerprint(pending.consumerKey)})`,
    );
    newKey = pending.consumerKey;
  } else {
    await preflight(ctx, currentFingerprint);
    const pair = generateApiKeyPair({
      keyLength: ctx.deps.settings.keyLength,
      secretLength: ctx.deps.settings.secretLength,
    });
    ctx.scrubber.add(pair.consumerKey, pair.consumerSecret);
    // Every other field of the secret is kept as it is.
    const secretString = writeSecretCredential(
      current.document,
      ctx.fields,
      pair,
    );
    await ctx.retry('store AWSPENDING', () =>
      ctx.deps.secrets.putPendingVersion(
        ctx.binding.secret,
        ctx.rotation.id,
        secretString,
      ),
    );
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
): Promise<void> {
  const app = await ctx.getApp();
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
  if (!ctx.stored.adoptedAt || known !== currentFingerprint) {
    await ctx.deps.store.recordAdoption(
      ctx.binding.id,
      { currentKeyFingerprint: currentFingerprint, bornAt: key?.issuedAt },
      ctx.now,
    );
    ctx.logger.info(
      `Adopted credential ${
        ctx.binding.id
      }: current key ${currentFingerprint} issued ${
        key?.issuedAt?.toISOString() ?? 'at an unknown time'
      }`,
    );
  }
  await ctx.deps.store.recordDrift(ctx.binding.id, [], ctx.now);
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
