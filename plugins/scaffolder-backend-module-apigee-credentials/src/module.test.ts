import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  scaffolderActionsExtensionPoint,
  TemplateAction,
} from '@backstage/plugin-scaffolder-node';
import { scaffolderModuleApigeeCredentials } from './module';

describe('scaffolderModuleApigeeCredentials', () => {
  it('adds the provision and publish-local actions, with the default apigee-credentials client', async () => {
    const added: TemplateAction<any, any, any>[] = [];
    await startTestBackend({
      extensionPoints: [
        [
          scaffolderActionsExtensionPoint,
          {
            addActions: (...a: TemplateAction<any, any, any>[]) =>
              added.push(...a),
          },
        ],
      ],
      features: [
        scaffolderModuleApigeeCredentials,
        catalogServiceMock.factory(),
        mockServices.rootConfig.factory({
          data: {
            scaffolder: {
              apigeeCredentials: { localCatalogDirectory: '/tmp/generated' },
            },
          },
        }),
      ],
    });
    expect(added.map(action => action.id)).toEqual([
      'apigee:credentials:provision',
      'apigee:catalog:publish-local',
    ]);
    expect(added.every(action => action.supportsDryRun)).toBe(true);
  });
});
