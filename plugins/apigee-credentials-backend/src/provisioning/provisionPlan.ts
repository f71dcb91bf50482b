import {
  DeveloperAppDetails,
  DeveloperAppRef,
  isKeyProviderError,
  KeyProvider,
} from '@keyrotation/backstage-plugin-apigee-credentials-node';
import { EngineDependencies } from '../engine/context';
import { markNamesAny } from '../ownership/ownershipMark';
import {
  DEFAULT_OWNERSHIP_SETTINGS,
  OwnershipSettings,
} from '../ownership/ownershipSettings';
import { AppOwnerRecords } from './appOwnership';
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
  /** Where ownership marks live; the defaults when absent. */
  ownership?: OwnershipSettings;
  /** The plugin's records of which teams use an app; without them no existing app is usable. */
  appOwners?: AppOwnerRecords;
}

/** Who asks for a provision. */
export interface ProvisionCaller {
  /** The user's entity ref. */
  actor: string;
  /** Holds `apigee-credentials.admin`: any owner, any product, manual approvals. */
  admin: boolean;
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
  caller: ProvisionCaller,
): Promise<ProvisionPlan> {
  const { engine, secrets } = deps;
  const ownership = deps.ownership ?? DEFAULT_OWNERSHIP_SETTINGS;
  const owner = request.owner;
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
  // The developer must be the owner's: its team attribute, set in Apigee, says so.
  let developerAttributes = app?.developerAttributes;
  if (!app) {
    if (!provider.createApp) {
      throw new ProvisionFailure(
        'invalid',
        `Developer app ${request.app} of ${request.developer} does not exist and provider ${request.provider} cannot create apps; create the app first`,
      );
    }
    if (!provider.getDeveloper) {
      throw new ProvisionFailure(
        'forbidden',
        `Provider ${request.provider} cannot read Apigee developers, so it is unknown whether ${request.developer} belongs to ${owner}; ask an admin to create the app ${request.app} for your team`,
      );
    }
    try {
      developerAttributes = (
        await engine.retry.run('read the developer', () =>
          provider.getDeveloper!(request.developer),
        )
      ).attributes;
    } catch (error) {
      if (!isKeyProviderError(error) || error.kind !== 'not-found') throw error;
      throw new ProvisionFailure(
        'invalid',
        `Apigee developer ${request.developer} does not exist in ${request.provider}; use your team's developer`,
      );
    }
  }
  if (!developerAttributes) {
    throw new ProvisionFailure(
      'forbidden',
      `Apigee developer ${request.developer} could not be read in ${request.provider}, so it is unknown whether it belongs to ${owner}; the plugin's Apigee account needs permission to read developers`,
    );
  }
  if (
    !markNamesAny(developerAttributes[ownership.developerAttribute], [owner])
  ) {
    throw new ProvisionFailure(
      'forbidden',
      `Apigee developer ${request.developer} does not belong to ${owner}: its attribute ${ownership.developerAttribute} does not name it. Use your team's developer, or ask an Apigee admin to set ${ownership.developerAttribute}: ${owner} on it`,
    );
  }

  if (app) {
    // An existing app takes a new key only when it is the owner's, by its own mark and by
    // the plugin's records (a component of the team is bound to it, or provisioning made it).
    if (!markNamesAny(app.attributes?.[ownership.appAttribute], [owner])) {
      throw new ProvisionFailure(
        'forbidden',
        `Developer app ${request.app} of ${request.developer} does not belong to ${owner}: its attribute ${ownership.appAttribute} does not name it. Choose a new app name, and the plugin creates the app for your team`,
      );
    }
    if (!caller.admin) {
      const owners =
        (await deps.appOwners?.ownersOfApp({
          provider: request.provider,
          developer: request.developer,
          app: request.app,
        })) ?? [];
      if (!owners.includes(owner.toLocaleLowerCase('en-US'))) {
        throw new ProvisionFailure(
          'forbidden',
          `Developer app ${request.app} of ${request.developer} is not bound to any component of ${owner}, so it may not take a new key; choose a new app name, or ask an admin`,
        );
      }
    }
    steps.push(
      `use the existing developer app ${request.app} of ${request.developer}`,
    );
  } else {
    steps.push(
      `create the developer app ${request.app} of ${request.developer} in ${request.provider}, marked as ${owner}'s`,
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
    // Only a secret marked as the owner's is filled; its value is not even read otherwise.
    if (!markNamesAny(existing.tags[ownership.secretTag], [owner])) {
      throw new ProvisionFailure(
        'forbidden',
        `Secret ${target.label} does not carry the tag ${ownership.secretTag} naming ${owner}, so it may not be filled; tag it so in AWS, or give a name, account and region to have the plugin create the secret`,
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
    steps.push(`create the secret ${target.label}, tagged as ${owner}'s`);
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
