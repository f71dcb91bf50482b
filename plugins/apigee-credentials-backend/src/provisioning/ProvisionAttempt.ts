import {
  assessKeyUsability,
  DeveloperAppRef,
  fingerprint,
  KeyProvider,
  KeyUsability,
} from '@keyrotation/backstage-plugin-apigee-credentials-node';
import { generateApiKeyPair } from '../engine/keyGeneration';
import { SecretScrubber } from '../engine/scrub';
import { SecretReference } from '../engine/types';
import {
  DEFAULT_CREDENTIAL_FIELDS,
  writeSecretCredential,
} from '../secrets/secretValue';
import { DEFAULT_OWNERSHIP_SETTINGS } from '../ownership/ownershipSettings';
import { ProvisionFailure } from './provisionErrors';
import { ProvisionDependencies, ProvisionPlan } from './provisionPlan';
import { ValidProvisionRequest } from './provisionRequest';
import { ProvisionProgress } from './ProvisionStore';

/** Tag on every secret provisioning creates: the attempt id, so undo deletes only its own. */
export const PROVISION_TAG = 'apigee-credentials:provision-id';

/**
 * Version id of the value a new secret starts with, derived from the attempt id so that a
 * retried call is the same call. It holds no credential: Secrets Manager makes a secret's
 * first version AWSCURRENT at once, and the new key may only become current once verified.
 */
export function firstVersionToken(attemptId: string): string {
  return `initial-${attemptId}`;
}

/**
 * One run of the provisioning protocol for one request (the rotation's steps from create to
 * promote, applied to a new credential): the new key is stored as AWSPENDING before Apigee
 * sees it, verified, and only then becomes AWSCURRENT. `record` persists progress before each
 * side effect.
 */
export class ProvisionAttempt {
  readonly scrubber = new SecretScrubber();
  readonly steps: string[] = [];

  constructor(
    private readonly deps: ProvisionDependencies,
    private readonly request: ValidProvisionRequest,
    /** Attempt id: the pending version's ClientRequestToken and the secret's tag. */
    readonly id: string,
    readonly progress: ProvisionProgress,
    private readonly record: (progress: ProvisionProgress) => Promise<void>,
    /** Admins may have manual-approval products approved; others may not. */
    private readonly options: { admin?: boolean } = {},
  ) {}

  async run(plan: ProvisionPlan): Promise<void> {
    const { engine, secrets } = this.deps;
    const { provider, appRef, secretRef } = plan;
    const retry = <T>(operation: string, fn: () => Promise<T>) =>
      engine.retry.run(operation, fn, e => this.scrubber.describe(e));
    const ownership = this.deps.ownership ?? DEFAULT_OWNERSHIP_SETTINGS;
    // Both new targets carry the owner group, which later proves whose they are.
    const owner = this.request.owner;

    if (!plan.app) {
      await this.#mark({ appWasMissing: true, appCreateStarted: true });
      const created = await retry('create the app', () =>
        provider.createApp!(appRef, {
          attributes: { [ownership.appAttribute]: owner },
        }),
      );
      // Apigee issues a key with every new app; this credential uses its own key instead.
      for (const key of created.keys) {
        await retry('delete the generated key', () =>
          provider.deleteKey(appRef, key.consumerKey),
        );
      }
      this.steps.push(`created the developer app ${appRef.app}`);
    }

    let secretArn = plan.secretArn;
    if (!('arn' in secretRef)) {
      await this.#mark({ secretCreateStarted: true });
      const { tags, description, kmsKeyId } = this.request.secret as {
        tags?: Record<string, string>;
        description?: string;
        kmsKeyId?: string;
      };
      secretArn = (
        await retry('create the secret', () =>
          secrets.createSecret(
            {
              ...secretRef,
              description,
              kmsKeyId,
              tags: {
                ...tags,
                [ownership.secretTag]: owner,
                [PROVISION_TAG]: this.id,
              },
            },
            {
              token: firstVersionToken(this.id),
              secretString: JSON.stringify(plan.baseDocument),
            },
          ),
        )
      ).arn;
      this.steps.push(`created the secret ${secretArn}`);
    }
    await this.#mark({ secretArn });
    // From here on, address the secret by its ARN: a same-named secret made later is not it.
    const secret: SecretReference = { arn: secretArn! };

    if (plan.secretIsEmpty) {
      await retry('store a first, empty version', () =>
        secrets.putFirstVersion(
          secret,
          firstVersionToken(this.id),
          JSON.stringify(plan.baseDocument),
        ),
      );
    }

    const pair = generateApiKeyPair({
      keyLength: engine.settings.keyLength,
      secretLength: engine.settings.secretLength,
    });
    this.scrubber.add(pair.consumerKey, pair.consumerSecret);
    const keyFingerprint = fingerprint(pair.consumerKey);
    await this.#mark({ pendingStarted: true, keyFingerprint });
    await retry('store AWSPENDING', () =>
      secrets.putPendingVersion(
        secret,
        this.id,
        writeSecretCredential(
          plan.baseDocument,
          DEFAULT_CREDENTIAL_FIELDS,
          pair,
        ),
      ),
    );

    await this.#mark({ keyImportStarted: true });
    await retry('import the key', () => provider.importKey(appRef, pair));
    await retry('associate API products', () =>
      provider.addApiProducts(
        appRef,
        pair.consumerKey,
        this.request.apiProducts,
      ),
    );
    await this.#approve(provider, appRef, pair.consumerKey);
    this.steps.push(
      `issued key ${keyFingerprint} with API products ${this.request.apiProducts.join(
        ', ',
      )}`,
    );

    await this.#verify(provider, appRef, pair.consumerKey, keyFingerprint);
    this.steps.push(`verified key ${keyFingerprint} in Apigee`);

    await promote(this.deps, secret, this.id);
    await this.#mark({ promoted: true });
    this.steps.push(
      `made key ${keyFingerprint} the current version of the secret`,
    );
  }

  /**
   * Approves the key and, for an admin, its manual-approval product associations;
   * a pending association for anyone else fails the attempt, which is then undone.
   */
  async #approve(
    provider: KeyProvider,
    appRef: DeveloperAppRef,
    consumerKey: string,
  ): Promise<void> {
    const app = await this.deps.engine.retry.run('read the app', () =>
      provider.getApp(appRef),
    );
    const key = app.keys.find(k => k.consumerKey === consumerKey);
    const pending = (key?.apiProducts ?? []).filter(
      a => a.status === 'pending',
    );
    if (pending.length > 0 && !this.options.admin) {
      // Approving is the API owner's decision; the caller's attempt is undone.
      const names = pending.map(a => a.apiProduct).join(', ');
      throw new ProvisionFailure(
        'forbidden',
        `API product ${names} needs manual approval, which the plugin gives only to apigee-credentials admins; nothing this request made was kept. Ask an admin to provision this credential`,
      );
    }
    for (const association of pending) {
      await this.deps.engine.retry.run(
        `approve API product ${association.apiProduct}`,
        () =>
          provider.approveApiProduct(
            appRef,
            consumerKey,
            association.apiProduct,
          ),
      );
    }
    if (key && key.status !== 'approved') {
      await this.deps.engine.retry.run('approve the key', () =>
        provider.approveKey(appRef, consumerKey),
      );
    }
  }

  /** The key must be usable with exactly the requested products before it becomes current. */
  async #verify(
    provider: KeyProvider,
    appRef: DeveloperAppRef,
    consumerKey: string,
    keyFingerprint: string,
  ): Promise<void> {
    const expected = this.request.apiProducts;
    let usability: KeyUsability;
    if (provider.checkUsability) {
      usability = await this.deps.engine.retry.run('check the new key', () =>
        provider.checkUsability!(appRef, consumerKey, expected),
      );
    } else {
      const app = await this.deps.engine.retry.run('read the app', () =>
        provider.getApp(appRef),
      );
      usability = assessKeyUsability(
        app,
        app.keys.find(k => k.consumerKey === consumerKey),
        { expectedApiProducts: expected, now: this.deps.engine.clock.now() },
      );
    }
    if (!usability.usable) {
      throw new ProvisionFailure(
        'invalid',
        `The new key ${keyFingerprint} is not usable, so it was not made current: ${usability.problems
          .map(p => p.message)
          .join('; ')}`,
      );
    }
  }

  async #mark(patch: Partial<ProvisionProgress>): Promise<void> {
    Object.assign(this.progress, patch);
    await this.record(this.progress);
  }
}

/**
 * Makes version `versionId` AWSCURRENT (the version that held it becomes AWSPREVIOUS) and
 * drops its AWSPENDING label. Safe to repeat: each move is skipped once done.
 */
export async function promote(
  deps: ProvisionDependencies,
  secret: SecretReference,
  versionId: string,
): Promise<void> {
  const { secrets, engine } = deps;
  const stages = await engine.retry.run('read the staging labels', () =>
    secrets.describeStages(secret),
  );
  const holder = Object.keys(stages).find(v =>
    stages[v].includes('AWSCURRENT'),
  );
  if (holder !== versionId) {
    await engine.retry.run('promote to AWSCURRENT', () =>
      secrets.updateStage(secret, 'AWSCURRENT', {
        moveToVersionId: versionId,
        removeFromVersionId: holder,
      }),
    );
  }
  if (stages[versionId]?.includes('AWSPENDING')) {
    await engine.retry.run('clear AWSPENDING', () =>
      secrets.updateStage(secret, 'AWSPENDING', {
        removeFromVersionId: versionId,
      }),
    );
  }
}
