import {
  AuditorService,
  BackstageCredentials,
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockServices,
  ServiceMock,
  startTestBackend,
  TestBackend,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { notificationService } from '@backstage/plugin-notifications-node';
import {
  AuthorizeResult,
  Permission,
} from '@backstage/plugin-permission-common';
import { JsonObject } from '@backstage/types';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import { Knex } from 'knex';
import { apigeeCredentialsPlugin } from '../plugin';

export interface PluginBackendOptions {
  knex: Knex;
  entities: Entity[];
  /** Root config data (`aws`, `apigeeCredentials`). */
  config: JsonObject;
  /** The permission policy's decision; allow everything when omitted. */
  allow?: (
    permission: Permission,
    credentials?: BackstageCredentials,
  ) => boolean;
  /** Each user's ownership refs (groups included); the user's own ref alone when omitted. */
  memberships?: Record<string, string[]>;
}

/** A started test backend with the plugin, and what the mocks recorded. */
export interface PluginBackend {
  backend: TestBackend;
  server: TestBackend['server'];
  /** Runs one scheduled pass (sync, resume, rotate due, delete old keys). */
  runPass(): Promise<void>;
  auditor: ServiceMock<AuditorService>;
  notifications: unknown[];
  /** The actions the plugin registered; invoke them as `test:<name>`. */
  actionsRegistry: ReturnType<typeof actionsRegistryServiceMock>;
}

/**
 * Starts the real plugin in a test backend with a mocked catalog, the given database and
 * config, and Backstage's service mocks for the scheduler (so tests run the scheduled pass
 * themselves), auditor, permissions and notifications (both recorded).
 */
export async function startPluginBackend(
  options: PluginBackendOptions,
): Promise<PluginBackend> {
  const scheduler = mockServices.scheduler.mock();
  const auditor = mockServices.auditor.mock({
    createEvent: jest.fn(async () => ({
      success: jest.fn(async () => {}),
      fail: jest.fn(async () => {}),
    })),
  });
  const notifications: unknown[] = [];
  const actionsRegistry = actionsRegistryServiceMock();
  const backend = await startTestBackend({
    features: [
      apigeeCredentialsPlugin,
      catalogServiceMock.factory({ entities: options.entities }),
      mockServices.database.factory({ knex: options.knex }),
      scheduler.factory,
      auditor.factory,
      mockServices.permissions.mock({
        authorize: async (requests, authorizeOptions) =>
          requests.map(r => ({
            result:
              !options.allow ||
              options.allow(r.permission, authorizeOptions?.credentials)
                ? AuthorizeResult.ALLOW
                : AuthorizeResult.DENY,
          })) as any,
      }).factory,
      createServiceFactory({
        service: notificationService,
        deps: {},
        factory: () => ({
          send: async (notification: unknown) => {
            notifications.push(notification);
          },
        }),
      }),
      createServiceFactory({
        service: actionsRegistryServiceRef,
        deps: {},
        factory: () => actionsRegistry,
      }),
      mockServices.rootConfig.factory({ data: options.config }),
      createServiceFactory({
        service: coreServices.userInfo,
        deps: {},
        factory: () => ({
          getUserInfo: async (credentials: BackstageCredentials) => {
            const ref = (credentials.principal as { userEntityRef: string })
              .userEntityRef;
            return {
              userEntityRef: ref,
              ownershipEntityRefs: options.memberships?.[ref] ?? [ref],
            };
          },
        }),
      }),
    ],
  });
  const [task] = scheduler.scheduleTask.mock.calls.map(c => c[0]);
  return {
    backend,
    server: backend.server,
    runPass: async () => {
      await task.fn({} as any);
    },
    auditor,
    notifications,
    actionsRegistry,
  };
}

/** The default sandbox seed's AWS account, and the access key that selects it. */
export const DEMO_ACCOUNT = '111111111111';
export const DEMO_ACCESS_KEY = 'TESTSANDBOX111111111';

/**
 * Root config for the plugin against a sandbox with its default seed (the demo's Apigee
 * organisations and AWS account); `apigeeCredentials` adds to or overrides the plugin's block.
 */
export function demoSandboxConfig(
  sandboxUrl: string,
  apigeeCredentials: JsonObject = {},
): JsonObject {
  return {
    aws: {
      accounts: [
        {
          accountId: DEMO_ACCOUNT,
          accessKeyId: DEMO_ACCESS_KEY,
          secretAccessKey: 'sandbox',
        },
      ],
    },
    apigeeCredentials: {
      providers: [
        {
          name: 'acme-edge',
          type: 'edge',
          organization: 'acme-edge',
          baseUrl: sandboxUrl,
          auth: {
            type: 'basic',
            username: 'admin@example.com',
            password: 'sandbox-admin-password',
          },
        },
        {
          name: 'acme-x',
          type: 'x',
          organization: 'acme-x',
          baseUrl: sandboxUrl,
          auth: { type: 'accessToken', token: 'sandbox-acme-x-token' },
        },
      ],
      aws: { allowedAccountIds: [DEMO_ACCOUNT], endpoint: sandboxUrl },
      ...apigeeCredentials,
    },
  };
}
