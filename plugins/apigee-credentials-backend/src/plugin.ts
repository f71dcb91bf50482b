import {
  coreServices,
  createBackendPlugin,
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
} from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { ConfigReader } from '@backstage/config';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { notificationService } from '@backstage/plugin-notifications-node';
import {
  apigeeCredentialsKeyProvidersExtensionPoint,
  KeyProvider,
} from '@keyrotation/backstage-plugin-apigee-credentials-node';
import { apigeeCredentialsPermissions } from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { createEngineDependencies } from './engine/createRotationEngine';
import { RotationEngine } from './engine/RotationEngine';
import { Provisioner } from './provisioning/Provisioner';
import { ProvisioningService } from './provisioning/ProvisioningService';
import { ProvisionStore } from './provisioning/ProvisionStore';
import { DatabaseAppOwnerRecords } from './provisioning/appOwnership';
import { readProvisioningSettings } from './provisioning/provisioningSettings';
import { readOwnershipSettings } from './ownership/ownershipSettings';
import { canProvisionSecrets } from './secrets/SecretStore';
import { CatalogBindingStore } from './database/CatalogBindingStore';
import { CatalogBindingSync } from './service/bindings/CatalogBindingSync';
import { CredentialAlerts } from './service/CredentialAlerts';
import { createRouter } from './service/router';
import { registerCredentialActions } from './service/actions';
import { auditOutcome } from './service/auditOutcome';
import { createEngineCredentialsService } from './service/engineCredentialsService';
import { ScheduledRotationPass } from './service/ScheduledRotationPass';
import { readPluginSettings } from './service/settings';

const DEFAULT_SCHEDULE = {
  frequency: { minutes: 5 },
  timeout: { minutes: 30 },
  initialDelay: { seconds: 10 },
};

/**
 * The Apigee credentials backend plugin: rotates Apigee API keys into AWS Secrets Manager,
 * on a schedule and on demand, and serves their status.
 *
 * @public
 */
export const apigeeCredentialsPlugin = createBackendPlugin({
  pluginId: 'apigee-credentials',
  register(env) {
    const keyProviders: KeyProvider[] = [];
    env.registerExtensionPoint(apigeeCredentialsKeyProvidersExtensionPoint, {
      addKeyProvider(...providers) {
        keyProviders.push(...providers);
      },
    });

    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        database: coreServices.database,
        scheduler: coreServices.scheduler,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        auth: coreServices.auth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        userInfo: coreServices.userInfo,
        catalog: catalogServiceRef,
        notifications: notificationService,
        actionsRegistry: actionsRegistryServiceRef,
      },
      async init(deps) {
        const { config, logger } = deps;
        const settings = readPluginSettings(config);
        deps.permissionsRegistry.addPermissions(apigeeCredentialsPermissions);

        const bindings = new CatalogBindingStore(
          await deps.database.getClient(),
        );
        const alerts = new CredentialAlerts({
          notifications: deps.notifications,
          bindings,
          logger,
          statusSettings: settings.status,
          notifyOnSuccess: settings.notifyOnSuccess,
        });
        // Building the engine applies the database migrations (unless skipped).
        const engineDeps = await createEngineDependencies({
          config,
          database: deps.database,
          logger,
          keyProviders,
          onEvent: event => {
            void alerts.onEvent(event);
            void auditOutcome(deps.auditor, event, logger);
          },
        });
        const engine = new RotationEngine(engineDeps);
        if (!canProvisionSecrets(engineDeps.secrets)) {
          throw new Error('The Secrets Manager store cannot create secrets');
        }
        // Shares the engine's providers and Secrets Manager clients, so rate limits hold.
        const provisioningSettings = readProvisioningSettings(config);
        const provisioner = new Provisioner({
          engine: engineDeps,
          secrets: engineDeps.secrets,
          store: new ProvisionStore(await deps.database.getClient()),
          ownership: readOwnershipSettings(config),
          appOwners: new DatabaseAppOwnerRecords(
            await deps.database.getClient(),
          ),
          provisionsPerUserPerHour:
            provisioningSettings.provisionsPerUserPerHour,
        });
        const sync = new CatalogBindingSync({
          catalog: deps.catalog,
          auth: deps.auth,
          logger,
          store: bindings,
          upsertBindings: valid => engine.syncBindings(valid),
          validateTarget: binding => engine.checkTarget(binding),
          listClaims: () => engine.listTargetClaims(),
          probeHosts: settings.probeHosts,
        });
        const pass = new ScheduledRotationPass({
          engine,
          sync,
          bindings,
          alerts,
          logger,
          concurrency: settings.concurrency,
        });

        // Each field of apigeeCredentials.schedule falls back to its default on its own.
        const schedule = readSchedulerServiceTaskScheduleDefinitionFromConfig(
          new ConfigReader({
            ...DEFAULT_SCHEDULE,
            ...(config.getOptional('apigeeCredentials.schedule') as object),
          }),
        );
        await deps.scheduler.scheduleTask({
          id: 'apigee-credentials-rotation-pass',
          scope: 'global',
          ...schedule,
          fn: async () => {
            await pass.run();
            // Provisions whose backend died mid-way: undo (or finish) them.
            await provisioner.recoverAbandoned();
          },
        });

        const { readModel, service: credentialsService } =
          createEngineCredentialsService({
            engine,
            bindings,
            permissions: deps.permissions,
            auditor: deps.auditor,
            settings,
          });
        registerCredentialActions(deps.actionsRegistry, credentialsService);
        deps.httpRouter.use(
          await createRouter({
            logger,
            httpAuth: deps.httpAuth,
            permissions: deps.permissions,
            bindings,
            readModel,
            service: credentialsService,
            provisioning: new ProvisioningService({
              provisioner,
              permissions: deps.permissions,
              auditor: deps.auditor,
              userInfo: deps.userInfo,
              settings: provisioningSettings,
            }),
            statusSettings: settings.status,
          }),
        );
        deps.httpRouter.addAuthPolicy({
          path: '/health',
          allow: 'unauthenticated',
        });
      },
    });
  },
});
