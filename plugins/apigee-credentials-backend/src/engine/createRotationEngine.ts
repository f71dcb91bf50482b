import { DatabaseService, LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import {
  AwsCredentialsManager,
  DefaultAwsCredentialsManager,
} from '@backstage/integration-aws-node';
import { KeyProvider } from '@keyrotation/backstage-plugin-apigee-credentials-node';
import pLimit from 'p-limit';
import { DatabaseRotationStore } from '../database/DatabaseRotationStore';
import { applyMigrations } from '../database/migrations';
import {
  OwnershipSettings,
  readOwnershipSettings,
} from '../ownership/ownershipSettings';
import { ProviderRegistry } from '../providers/ProviderRegistry';
import { AwsSecretStore, SecretStore } from '../secrets/SecretStore';
import { Clock, systemClock } from './clock';
import { readDurationMs } from './durations';
import { EngineDependencies, EngineHooks } from './context';
import { RotationEngine } from './RotationEngine';
import { RetryRunner } from './retry';
import { describeError } from './scrub';
import { EngineSettings, readEngineSettings } from './settings';
import { KeyRetirementStore } from '../database/KeyRetirementStore';
import {
  RetirementSettings,
  readRetirementSettings,
} from './retirement/retirementSettings';
import { RotationEvent } from './types';

/** What {@link createRotationEngine} builds the engine from. */
export interface RotationEngineOptions {
  /** Root config: `apigeeCredentials.*` and the standard `aws.*` integration config. */
  config: Config;
  database: DatabaseService;
  logger: LoggerService;
  /** Providers added by backend modules through the extension point. */
  keyProviders?: KeyProvider[];
  /** AWS credentials; `DefaultAwsCredentialsManager.fromConfig(config)` by default. */
  awsCredentialsManager?: AwsCredentialsManager;
  /** Replaces the Secrets Manager store (tests). */
  secretStore?: SecretStore;
  /** Overrides settings read from config (tests). */
  settings?: Partial<EngineSettings>;
  /** Overrides the old-key retirement settings read from config (tests). */
  retirementSettings?: Partial<RetirementSettings>;
  /** Overrides `apigeeCredentials.ownership` (tests). */
  ownership?: OwnershipSettings;
  clock?: Clock;
  hooks?: EngineHooks;
  /** Receives every engine event (audit, notifications); must not throw. */
  onEvent?: (event: RotationEvent) => void;
  /** Identifies this engine as a lease holder; random by default. */
  instanceId?: string;
}

/**
 * Reads `apigeeCredentials.aws`: the account allow-list, an optional endpoint override,
 * request timeout and client-side rate limit.
 */
export function createSecretStore(
  config: Config,
  credentialsManager: AwsCredentialsManager,
): AwsSecretStore {
  const aws = config.getOptionalConfig('apigeeCredentials.aws');
  return new AwsSecretStore({
    credentialsManager,
    allowedAccountIds: aws?.getOptionalStringArray('allowedAccountIds') ?? [],
    endpoint: aws?.getOptionalString('endpoint'),
    requestTimeoutMs: aws?.has('requestTimeout')
      ? readDurationMs(aws, 'requestTimeout', 0)
      : undefined,
    maxRequestsPerSecond: aws?.getOptionalNumber('maxRequestsPerSecond'),
  });
}

/**
 * Builds the rotation engine: applies the database migrations (unless skipped), builds the
 * configured Apigee providers plus the module-added ones, and the Secrets Manager store.
 */
export async function createRotationEngine(
  options: RotationEngineOptions,
): Promise<RotationEngine> {
  const deps = await createEngineDependencies(options);
  return new RotationEngine(deps, { instanceId: options.instanceId });
}

/**
 * What the engine is built from, for the parts that share its providers, Secrets Manager
 * clients (and their rate limits), settings and retry policy: provisioning.
 */
export async function createEngineDependencies(
  options: RotationEngineOptions,
): Promise<EngineDependencies> {
  const { config, logger } = options;
  const settings: EngineSettings = {
    ...readEngineSettings(config),
    ...options.settings,
  };
  const clock = options.clock ?? systemClock;
  // The plugin builds this once as it starts: the one place migrations are applied.
  const db = await applyMigrations(options.database);
  const store = new DatabaseRotationStore(db, settings.leaseDurationMs);
  const retirement = new KeyRetirementStore(db);
  const providers = ProviderRegistry.fromConfig(config, options.keyProviders);
  const secrets =
    options.secretStore ??
    createSecretStore(
      config,
      options.awsCredentialsManager ??
        DefaultAwsCredentialsManager.fromConfig(config),
    );
  const retry = new RetryRunner(
    settings.retry,
    () => clock.now().getTime(),
    ({ operation, attempt, delayMs, error }) => {
      logger.debug(
        `Retrying "${operation}" (attempt ${
          attempt + 1
        }) in ${delayMs} ms after: ${describeError(error)}`,
      );
    },
  );
  return {
    store,
    secrets,
    providerFor: name => providers.get(name),
    settings,
    retirement,
    retirementSettings: {
      ...readRetirementSettings(config),
      ...options.retirementSettings,
    },
    ownership: options.ownership ?? readOwnershipSettings(config),
    logger,
    clock,
    retry,
    hooks: options.hooks,
    workerSlots: pLimit(settings.concurrency),
    emit: event => {
      try {
        options.onEvent?.(event);
      } catch (error) {
        logger.warn(
          `A rotation event listener failed: ${describeError(error)}`,
        );
      }
    },
  };
}
