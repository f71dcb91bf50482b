import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { ScmIntegrations } from '@backstage/integration';
import { createFetchTemplateAction } from '@backstage/plugin-scaffolder-backend';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { parseCredentialBindings } from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { createMockDirectory } from '@backstage/backend-test-utils';
import { Validator } from 'jsonschema';
import { createTemplateRenderer } from 'nunjitsu';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import yaml from 'yaml';
import { createProvisionAction } from './actions/provision';
import { createPublishLocalAction } from './actions/publishLocal';
import { LocalCatalogDirectory } from './localCatalog/LocalCatalogDirectory';
import { createTestActionContext } from './__testUtils__/mockActionContext';

// The example template this package ships: checked against the actions it calls.
const templateDir = path.resolve(__dirname, '../templates/apigee-consumer');
const template = yaml.parse(
  fs.readFileSync(path.join(templateDir, 'template.yaml'), 'utf8'),
);
const stepOf = (id: string) =>
  template.spec.steps.find((s: { id: string }) => s.id === id);

const parameters = {
  name: 'checkout-service',
  description: 'Takes payments: "quoted", with a colon',
  owner: 'group:default/team-orders',
  provider: 'acme-edge',
  developer: 'orders-team@example.com',
  apiProducts: ['orders-api'],
  environments: ['prod', 'staging'],
  accountId: '111111111111',
  region: 'eu-west-1',
  maxAge: '90d',
};

/** Renders step input the way the scaffolder's workflow runner does (JSON value coercion). */
function renderInput(input: unknown, context: Record<string, unknown>) {
  const renderer = createTemplateRenderer();
  return JSON.parse(JSON.stringify(input), (_key, value) =>
    typeof value === 'string'
      ? renderer.renderValue(value, context as any, { coercion: 'json' })
      : value,
  );
}

const binding = (environment: string) =>
  yaml.stringify({
    provider: 'acme-edge',
    developer: 'orders-team@example.com',
    app: 'checkout-service',
    secret: `arn:aws:secretsmanager:eu-west-1:111111111111:secret:checkout-service/apigee-${environment}-AbCdEf`,
    maxAge: '90d',
  });

describe('templates/apigee-consumer', () => {
  it('runs the provision action once per environment with input the action accepts', () => {
    const step = stepOf('provision');
    expect(step.action).toBe('apigee:credentials:provision');
    const schema = createProvisionAction({ apigeeCredentials: {} as any })
      .schema!.input!;

    const each = renderInput(step.each, { parameters });
    expect(each).toEqual(['prod', 'staging']);
    for (const environment of each) {
      const input = renderInput(step.input, {
        parameters,
        each: { key: '0', value: environment },
      });
      expect(new Validator().validate(input, schema).errors).toEqual([]);
      expect(input).toMatchObject({
        app: 'checkout-service', // defaults to the service name
        environment,
        secret: { name: `checkout-service/apigee-${environment}` },
      });
      // An optional parameter the user left empty is not passed at all.
      expect('kmsKeyId' in input.secret).toBe(false);
    }
  });

  it('writes a catalog-info.yaml with every environment binding, which publish-local accepts', async () => {
    const root = createMockDirectory();
    const workspace = root.resolve('workspace');
    fs.mkdirSync(workspace);
    const step = stepOf('template');
    // With `each`, the provision step's outputs are lists, one entry per environment.
    const values = renderInput(step.input.values, {
      parameters,
      steps: {
        provision: {
          output: {
            annotations: [
              { 'apigee.keyrotation.dev/prod': binding('prod') },
              { 'apigee.keyrotation.dev/staging': binding('staging') },
            ],
          },
        },
      },
    });

    const fetchTemplate = createFetchTemplateAction({
      reader: mockServices.urlReader.mock(),
      integrations: ScmIntegrations.fromConfig(new ConfigReader({})),
    });
    const { ctx } = createTestActionContext({
      input: { url: step.input.url, values },
      workspacePath: workspace,
      templateInfo: {
        baseUrl: pathToFileURL(path.join(templateDir, 'template.yaml')).href,
        entityRef: 'template:default/apigee-consumer',
      },
    });
    await fetchTemplate.handler(ctx as any);

    const entity = yaml.parse(
      fs.readFileSync(path.join(workspace, 'catalog-info.yaml'), 'utf8'),
    );
    expect(entity).toEqual({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: 'checkout-service',
        description: 'Takes payments: "quoted", with a colon',
        annotations: {
          'apigee.keyrotation.dev/prod': binding('prod'),
          'apigee.keyrotation.dev/staging': binding('staging'),
        },
      },
      spec: {
        type: 'service',
        lifecycle: 'experimental',
        owner: 'group:default/team-orders',
      },
    });
    const { bindings, errors } = parseCredentialBindings(entity);
    expect(errors).toEqual([]);
    expect(bindings.map(b => b.environment)).toEqual(['prod', 'staging']);

    const publishStep = stepOf('publish');
    expect(publishStep.action).toBe('apigee:catalog:publish-local');
    const publish = createPublishLocalAction({
      directory: new LocalCatalogDirectory(root.resolve('generated')),
      catalog: catalogServiceMock(),
    });
    const published = createTestActionContext({
      input: publishStep.input,
      workspacePath: workspace,
    });
    await publish.handler(published.ctx as any);
    expect(published.outputs.entityRef).toBe(
      'component:default/checkout-service',
    );
  });
});
