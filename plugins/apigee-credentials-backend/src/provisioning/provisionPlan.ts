import {
  DeveloperAppDetails,
  DeveloperAppRef,
  isKeyProviderError,
  KeyProvider,
} from '@keyrotation/backstage-plugin-apigee-credentials-node';
import { EngineDependencies } from '../engine/context';
import { SecretReference } from '../engine/types';
import { SecretProvisioning, SecretStore } from '../secrets/SecretStore';
import {
  DEFAULT_CREDENTIAL_FIELDS,
  MalformedSecretError,
  readSecretCredential,
} from '../secrets/secretValue';
import { ProvisionFailure } from './provisionErrors';
import { ValidProvisionRequest } from './provisionRequest';

/** What a run of the protocol needs from the plugin. */
export interface ProvisionDependencies {
  engine: Pick<
    EngineDependencies,
    'providerFor' | 'settings' | 'logger' | 'clock' | 'retry'
  >;
  secrets: SecretStore & SecretProvisioning;
}

/** The facts a plan (and a run) starts from; read-only calls only. */
export interface ProvisionPlan {
  provider: KeyProvider;
  appRef: DeveloperAppRef;
  /** The app as it is, or undefined when it must be created. */
  app?: DeveloperAppDetails;
  secretRef: SecretReference;
  /** ARN when the secret exists (always for a fill). */
  secretArn?: string;
  /** The other JSON fields of the secret being filled, kept as they are. */
  baseDocument: Record<string, unknown>;
  /** The secret to fill has no version yet (e.g. made by infrastructure code without one). */
  secretIsEmpty: boolean;
  steps: string[];
}

/**
 * Reads what a request would change and refuses requests that cannot succeed or would be
 * unsafe, before anything is changed: an unknown provider, an app the provider cannot
 * create, a secret name that is taken, or an existing secret that already holds a
 * credential (filling it would replace another consumer's key).
 */
export async function planProvision(
  deps: ProvisionDependencies,
  request: ValidProvisionRequest,
): Promise<ProvisionPlan> {
  const { engine, secrets } = deps;
  let provider: KeyProvider;
  try {
    provider = engine.providerFor(request.provider);
  } catch (error) {
    throw new ProvisionFailure('invalid', (error as Error).message);
  }
  const appRef = { developer: request.developer, app: request.app };
  const secretRef: SecretReference =
    'arn' in request.secret
      ? { arn: request.secret.arn }
      : {
          name: request.secret.name,
          accountId: request.secret.accountId,
          region: request.secret.region,
        };
  const target = secrets.resolve(secretRef); // refuses accounts not allow-listed
  const steps: string[] = [];

  let app: DeveloperAppDetails | undefined;
  try {
    app = await engine.retry.run('read the app', () => provider.getApp(appRef));
  } catch (error) {
    if (!isKeyProviderError(error) || error.kind !== 'not-found') throw error;
  }
  if (app) {
    steps.push(
      `use the existing developer app ${request.app} of ${request.developer}`,
    );
  } else {
    if (!provider.createApp) {
      throw new ProvisionFailure(
        'invalid',
        `Developer app ${request.app} of ${request.developer} does not exist and provider ${request.provider} cannot create apps; create the app first`,
      );
    }
    steps.push(
      `create the developer app ${request.app} of ${request.developer} in ${request.provider} (the developer must exist)`,
    );
  }

  const existing = await engine.retry.run('read the secret', () =>
    secrets.findSecret(secretRef),
  );
  let baseDocument: Record<string, unknown> = {};
  let secretIsEmpty = false;
  if ('arn' in secretRef) {
    if (!existing) {
      throw new ProvisionFailure(
        'invalid',
        `Secret ${target.label} does not exist; give the name, account and region of a secret to create instead`,
      );
    }
    baseDocument = await documentToFill(deps, secretRef, target.label);
    secretIsEmpty = Object.keys(existing.stages).length === 0;
    steps.push(
      `store the new key in the existing secret ${target.label} (its other fields are kept)`,
    );
  } else {
    if (existing) {
      throw new ProvisionFailure(
        'conflict',
        `Secret ${target.label} exists already; to fill an existing secret, give its ARN`,
      );
    }
    steps.push(`create the secret ${target.label}`);
  }
  steps.push(
    `issue a new consumer key with API products ${request.apiProducts.join(
      ', ',
    )}`,
    'store it as the pending version, verify it in Apigee, then make it the current version',
    `bind the component with annotation ${request.annotation.key}`,
  );
  return {
    provider,
    appRef,
    app,
    secretRef,
    secretArn: existing?.arn,
    baseDocument,
    secretIsEmpty,
    steps,
  };
}

/** The current JSON of a secret to fill; refuses one that holds a credential already. */
async function documentToFill(
  deps: ProvisionDependencies,
  ref: SecretReference,
  label: string,
): Promise<Record<string, unknown>> {
  const current = await deps.engine.retry.run('read the secret value', () =>
    deps.secrets.getVersion(ref, { stage: 'AWSCURRENT' }),
  );
  if (current?.secretString === undefined) return {};
  try {
    readSecretCredential(current.secretString, DEFAULT_CREDENTIAL_FIELDS);
  } catch (error) {
    if (!(error instanceof MalformedSecretError)) throw error;
    try {
      const document = JSON.parse(current.secretString);
      if (document && typeof document === 'object' && !Array.isArray(document))
        return document;
    } catch {
      // Not JSON: refused below.
    }
    throw new ProvisionFailure(
      'invalid',
      `Secret ${label} holds a value that is not a JSON object; the plugin only fills JSON secrets`,
    );
  }
  throw new ProvisionFailure(
    'conflict',
    `Secret ${label} already holds a consumer key; it is rotated, not provisioned again`,
  );
}
