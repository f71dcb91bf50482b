import {
  KeyUsability,
  KeyUsabilityProblem,
  assessKeyUsability,
} from '@keyrotation/backstage-plugin-apigee-credentials-node';
import {
  StepContext,
  approvedProducts,
  findKeyByFingerprint,
} from '../context';
import { formatMs } from '../durations';
import { RotationFailure } from '../failures';
import { assertProbeAllowed, probeKey } from '../probe';
import { RotationErrorCode } from '../types';

const PARITY_PROBLEMS: ReadonlySet<KeyUsabilityProblem['code']> = new Set([
  'product-missing',
  'product-unexpected',
  'no-products',
]);
const APPROVAL_PROBLEMS: ReadonlySet<KeyUsabilityProblem['code']> = new Set([
  'product-not-approved',
  'key-revoked',
]);

function codeFor(problems: KeyUsabilityProblem[]): RotationErrorCode {
  if (problems.some(p => PARITY_PROBLEMS.has(p.code))) return 'parity';
  if (problems.some(p => APPROVAL_PROBLEMS.has(p.code))) return 'approval';
  return 'drift';
}

/**
 * `associated → tested` (the testSecret step of AWS rotation): the new key must be
 * approved, with approved associations to exactly the current key's products (promotion is
 * refused otherwise), and accepted by Apigee's runtime. Apigee caches keys for up to ~180 s,
 * so a live probe is retried until the test timeout; without a probe the step
 * waits out the configured propagation delay instead.
 */
export async function testStep(ctx: StepContext): Promise<void> {
  const { settings, clock } = ctx.deps;
  const probe = ctx.binding.probe;
  if (probe) assertProbeAllowed(probe, settings.allowedProbeUrlPrefixes);
  const pending = await ctx.requirePending();
  const started = clock.now().getTime();
  // The first probe goes out together with the management check: neither depends on the
  // other, and the probe's answer counts only once the check has passed.
  const firstProbe =
    probe && probeKey(probe, pending, settings.probeRequestTimeoutMs);
  firstProbe?.catch(() => undefined); // awaited below unless the check fails
  const issuedAt = await checkNewKey(ctx, pending);

  if (probe) {
    const deadline = started + settings.testTimeoutMs;
    let attempts = 0;
    for (;;) {
      attempts += 1;
      const result = await (attempts === 1
        ? firstProbe!
        : probeKey(probe, pending, settings.probeRequestTimeoutMs));
      if (result.redirected) {
        // Not worth retrying, and the key must not follow it.
        throw new RotationFailure(
          'probe',
          `The proxy answered the probe of the new key ${ctx.rotation.newKeyFingerprint} with a redirect (${result.detail}); the plugin never follows redirects with a key, so the probe path must be answered by the proxy itself`,
        );
      }
      if (result.accepted) {
        ctx.logger.info(
          `The proxy accepted the new key ${
            ctx.rotation.newKeyFingerprint
          } after ${attempts} attempt(s), ${formatMs(
            clock.now().getTime() - started,
          )}`,
        );
        break;
      }
      const remaining = deadline - clock.now().getTime();
      if (remaining <= 0) {
        throw new RotationFailure(
          'probe',
          `The proxy still rejected the new key ${
            ctx.rotation.newKeyFingerprint
          } after ${formatMs(
            settings.testTimeoutMs,
          )} (${attempts} attempts, last answer ${result.detail})`,
        );
      }
      ctx.logger.debug(`Probe of the new key: ${result.detail}; trying again`);
      await clock.sleep(Math.min(settings.testIntervalMs, remaining));
    }
  } else {
    const associatedAt = (ctx.rotation.associatedAt ?? ctx.now).getTime();
    const wait =
      associatedAt + settings.keyPropagationDelayMs - clock.now().getTime();
    if (wait > 0) {
      ctx.logger.info(
        `No probe configured: waiting ${formatMs(
          wait,
        )} for Apigee's key cache before promoting`,
      );
      await clock.sleep(wait);
    }
  }
  await ctx.advance('tested', { newKeyIssuedAt: issuedAt ?? ctx.now });
}

/**
 * Management-plane checks of the new key: approved, parity with the current key's approved
 * products, app and developer enabled. Returns the new key's issue time. The app is always
 * read afresh: this is the verification, and it must see any change made since the key was
 * set up, by this run or anyone else.
 */
async function checkNewKey(
  ctx: StepContext,
  pending: { consumerKey: string },
): Promise<Date | undefined> {
  const app = await ctx.getApp({ fresh: true });
  const currentKey = findKeyByFingerprint(app, ctx.rotation.oldKeyFingerprint);
  if (!currentKey) {
    throw new RotationFailure(
      'drift',
      `The current key ${ctx.rotation.oldKeyFingerprint} is no longer in app ${app.app}`,
    );
  }
  const expected = approvedProducts(currentKey);
  const newKey = app.keys.find(k => k.consumerKey === pending.consumerKey);
  const usability: KeyUsability = ctx.provider.checkUsability
    ? await ctx.retry('check the new key', () =>
        ctx.provider.checkUsability!(ctx.appRef, pending.consumerKey, expected),
      )
    : assessKeyUsability(app, newKey, {
        expectedApiProducts: expected,
        now: ctx.now,
      });
  if (!usability.usable) {
    throw new RotationFailure(
      codeFor(usability.problems),
      `The new key ${
        ctx.rotation.newKeyFingerprint
      } is not fit to replace the current one, so it is not promoted: ${usability.problems
        .map(p => p.message)
        .join('; ')}`,
    );
  }
  return newKey?.issuedAt;
}
