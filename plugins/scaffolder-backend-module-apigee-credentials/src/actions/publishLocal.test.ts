import {
  createMockDirectory,
  mockCredentials,
} from '@backstage/backend-test-utils';
import { locationSpecToMetadataName } from '@backstage/plugin-catalog-node';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import fs from 'node:fs';
import path from 'node:path';
import { LocalCatalogDirectory } from '../localCatalog/LocalCatalogDirectory';
import { createTestActionContext } from '../__testUtils__/mockActionContext';
import { createPublishLocalAction } from './publishLocal';

const user = mockCredentials.user('user:default/ada');

const component = (
  name: string,
  description = 'Checkout service',
) => `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${name}
  description: ${description}
spec:
  type: service
  lifecycle: experimental
  owner: group:default/team-orders
`;

describe('apigee:catalog:publish-local', () => {
  const root = createMockDirectory();
  const workspace = path.join(root.path, 'workspace');
  const generated = path.join(root.path, 'generated');

  // The file location the catalog reads the directory through, and one it must leave alone.
  const generatedLocation = {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Location',
    metadata: { name: 'generated-abc', namespace: 'default' },
    spec: {
      type: 'file',
      target: path.join(generated, '*', '*', 'catalog-info.yaml'),
    },
  };
  const otherLocation = {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Location',
    metadata: { name: 'generated-def', namespace: 'default' },
    spec: {
      type: 'file',
      target: path.join(root.path, 'examples', 'components.yaml'),
    },
  };

  function setup(
    options: {
      locations?: object[];
      directory?: string | null;
      configuredLocationTargets?: string[];
    } = {},
  ) {
    const catalog = catalogServiceMock.mock({
      getEntities: jest.fn(async () => ({
        items: (options.locations ?? [generatedLocation, otherLocation]) as any,
      })),
      refreshEntity: jest.fn(async () => {}),
    });
    const action = createPublishLocalAction({
      directory:
        options.directory === null
          ? undefined
          : new LocalCatalogDirectory(options.directory ?? generated),
      catalog,
      configuredLocationTargets: options.configuredLocationTargets,
    });
    const run = (
      input: { filePath?: string; replace?: boolean },
      isDryRun = false,
    ) => {
      const test = createTestActionContext({
        input,
        isDryRun,
        workspacePath: workspace,
        credentials: user,
        stepId: 'publish',
      });
      return { ...test, done: action.handler(test.ctx as any) };
    };
    return { catalog, run };
  }

  const published = (name: string) =>
    path.join(generated, 'default', name, 'catalog-info.yaml');

  beforeEach(() => {
    root.clear();
    root.addContent({
      workspace: { 'catalog-info.yaml': component('checkout-service') },
    });
  });

  it('publishes the workspace file under namespace/name and has the catalog re-read its location', async () => {
    const { catalog, run } = setup();
    const { done, outputs, logger } = run({});
    await done;

    expect(fs.readFileSync(published('checkout-service'), 'utf8')).toBe(
      component('checkout-service'),
    );
    expect(outputs).toEqual({
      entityRef: 'component:default/checkout-service',
      filePath: published('checkout-service'),
    });
    expect(catalog.getEntities).toHaveBeenCalledWith(
      { filter: { kind: 'Location', 'spec.type': 'file' } },
      { credentials: user },
    );
    expect(catalog.refreshEntity).toHaveBeenCalledTimes(1);
    expect(catalog.refreshEntity).toHaveBeenCalledWith(
      'location:default/generated-abc',
      {
        credentials: user,
      },
    );
    expect(logger.lines.join('\n')).toContain('(created)');
  });

  it('succeeds again on a retry with the same content, and refuses different content unless replace is set', async () => {
    const { run } = setup();
    await run({}).done;
    const retry = run({});
    await retry.done;
    expect(retry.logger.lines.join('\n')).toContain('(unchanged)');

    root.addContent({
      workspace: {
        'catalog-info.yaml': component('checkout-service', 'Other'),
      },
    });
    await expect(run({}).done).rejects.toThrow(
      /already holds a different catalog file for component:default\/checkout-service; choose another name, or set replace: true/,
    );
    expect(fs.readFileSync(published('checkout-service'), 'utf8')).toContain(
      'Checkout service',
    );

    await run({ replace: true }).done;
    expect(fs.readFileSync(published('checkout-service'), 'utf8')).toContain(
      'Other',
    );
  });

  it('writes nothing in a dry run, and says where it would publish', async () => {
    const { catalog, run } = setup();
    const { done, outputs, logger } = run({}, true);
    await done;
    expect(fs.existsSync(generated)).toBe(false);
    expect(catalog.refreshEntity).not.toHaveBeenCalled();
    expect(outputs.entityRef).toBe('component:default/checkout-service');
    expect(logger.lines.join('\n')).toContain(
      `Dry run: would publish catalog-info.yaml (component:default/checkout-service) to ${published(
        'checkout-service',
      )} (a new file). Nothing was changed.`,
    );
  });

  it('refreshes a configured location that has no entity yet (its glob matched nothing at start-up)', async () => {
    const target = path.join(generated, '*', '*', 'catalog-info.yaml');
    const { catalog, run } = setup({
      locations: [otherLocation],
      configuredLocationTargets: [
        target,
        path.join(root.path, 'examples', 'components.yaml'),
      ],
    });
    await run({}).done;
    expect(catalog.refreshEntity).toHaveBeenCalledTimes(1);
    expect(catalog.refreshEntity).toHaveBeenCalledWith(
      `location:default/${locationSpecToMetadataName({
        type: 'file',
        target,
      })}`,
      { credentials: user },
    );
  });

  it('warns when no catalog location reads the directory', async () => {
    const { run } = setup({ locations: [otherLocation] });
    const { done, logger } = run({});
    await done;
    expect(logger.lines.join('\n')).toContain(
      `warn: No catalog location reads ${generated}, so component:default/checkout-service will not appear in the catalog. ` +
        `Add a file location with target ${path.join(
          generated,
          '*',
          '*',
          'catalog-info.yaml',
        )} to catalog.locations.`,
    );
  });

  it('still publishes when the catalog refuses the refresh, and says when the entity will appear', async () => {
    const { catalog, run } = setup();
    catalog.refreshEntity.mockRejectedValue(
      Object.assign(new Error('not allowed to refresh'), {
        name: 'NotAllowedError',
      }),
    );
    const { done, outputs, logger } = run({});
    await done;
    expect(fs.existsSync(published('checkout-service'))).toBe(true);
    expect(outputs.entityRef).toBe('component:default/checkout-service');
    expect(logger.lines.join('\n')).toContain(
      `warn: Could not ask the catalog to re-read ${generated} (NotAllowedError: not allowed to refresh); ` +
        "component:default/checkout-service appears at the catalog's next processing round instead",
    );
  });

  it('fails clearly when no directory is configured', async () => {
    const { run } = setup({ directory: null });
    await expect(run({}).done).rejects.toThrow(
      'apigee:catalog:publish-local needs a directory to publish to: set scaffolder.apigeeCredentials.localCatalogDirectory',
    );
  });

  describe('never writes outside the configured directory', () => {
    it('refuses a workspace path that leaves the workspace', async () => {
      root.addContent({ 'outside.yaml': component('outside') });
      const { run } = setup();
      await expect(run({ filePath: '../outside.yaml' }).done).rejects.toThrow(
        /outside its parent/,
      );
    });

    it('refuses a symlink in the workspace, whether it leads out or not', async () => {
      root.addContent({ 'outside.yaml': component('outside') });
      fs.symlinkSync(
        path.join(root.path, 'outside.yaml'),
        path.join(workspace, 'out.yaml'),
      );
      fs.symlinkSync(
        path.join(workspace, 'catalog-info.yaml'),
        path.join(workspace, 'in.yaml'),
      );
      const { run } = setup();
      await expect(run({ filePath: 'out.yaml' }).done).rejects.toThrow(
        /outside its parent/,
      );
      await expect(run({ filePath: 'in.yaml' }).done).rejects.toThrow(
        'There is no regular file in.yaml in the workspace to publish',
      );
    });

    it.each([
      [
        'a name that climbs out',
        'metadata:\n  name: ../../etc\n',
        /has no valid metadata.name/,
      ],
      [
        'a namespace that climbs out',
        'metadata:\n  name: ok\n  namespace: ..\n',
        /invalid metadata.namespace/,
      ],
    ])('refuses %s', async (_what, metadata, error) => {
      root.addContent({
        workspace: {
          'catalog-info.yaml': `apiVersion: backstage.io/v1alpha1\nkind: Component\n${metadata}`,
        },
      });
      const { run } = setup();
      await expect(run({}).done).rejects.toThrow(error);
      expect(fs.existsSync(generated)).toBe(false);
    });

    it('refuses a symlinked folder inside the directory that leads out of it', async () => {
      root.addContent({ outside: {} });
      fs.mkdirSync(generated, { recursive: true });
      fs.symlinkSync(
        path.join(root.path, 'outside'),
        path.join(generated, 'default'),
      );
      const { run } = setup();
      await expect(run({}).done).rejects.toThrow(/outside its parent/);
      expect(fs.readdirSync(path.join(root.path, 'outside'))).toEqual([]);
    });
  });

  it.each([
    [
      'Location',
      'kind: Location\nmetadata:\n  name: sneaky\nspec:\n  type: file\n  target: /etc/passwd\n',
    ],
    ['Template', 'kind: Template\nmetadata:\n  name: sneaky\n'],
    ['Group', 'kind: Group\nmetadata:\n  name: admins\n'],
  ])('refuses to publish a %s entity', async (kind, body) => {
    root.addContent({
      workspace: {
        'catalog-info.yaml': `${component(
          'checkout-service',
        )}---\napiVersion: backstage.io/v1alpha1\n${body}`,
      },
    });
    const { run } = setup();
    await expect(run({}).done).rejects.toThrow(
      `catalog-info.yaml, document 2 is of kind "${kind}"; only Component, API, Resource, System may be published`,
    );
    expect(fs.existsSync(generated)).toBe(false);
  });

  it('refuses YAML aliases', async () => {
    root.addContent({
      workspace: {
        'catalog-info.yaml': `${component(
          'checkout-service',
        )}  tags: &t [a]\n  other: *t\n`,
      },
    });
    const { run } = setup();
    await expect(run({}).done).rejects.toThrow(/document 1 uses YAML aliases/);
  });

  it('refuses a file that is not YAML', async () => {
    root.addContent({ workspace: { 'catalog-info.yaml': 'kind: [unclosed' } });
    const { run } = setup();
    await expect(run({}).done).rejects.toThrow(
      /catalog-info.yaml, document 1 is not valid YAML/,
    );
  });
});
