import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

/** Examples shown in the scaffolder's action reference for `apigee:credentials:provision`. */
export const examples: TemplateExample[] = [
  {
    description:
      'Create an app key and a new Secrets Manager secret for the production environment',
    example: yaml.stringify({
      steps: [
        {
          id: 'provision',
          name: 'Provision Apigee credentials',
          action: 'apigee:credentials:provision',
          input: {
            provider: 'acme-edge',
            developer: 'orders-team@example.com',
            app: 'checkout-service',
            apiProducts: ['orders-api'],
            environment: 'prod',
            secret: {
              name: 'apigee/checkout-service/prod',
              accountId: '111111111111',
              region: 'eu-west-1',
              tags: { team: 'checkout' },
              description: 'Apigee consumer key and secret of checkout-service',
            },
            owner: 'group:default/team-checkout',
            policy: { maxAge: '90d', gracePeriod: '24h' },
          },
        },
      ],
    }),
  },
  {
    description:
      'Fill an existing secret, encrypted with its own KMS key, for staging',
    example: yaml.stringify({
      steps: [
        {
          id: 'provision',
          name: 'Provision Apigee credentials',
          action: 'apigee:credentials:provision',
          input: {
            provider: 'acme-edge',
            developer: 'orders-team@example.com',
            app: 'checkout-service-staging',
            apiProducts: ['orders-api', 'payments-api'],
            environment: 'staging',
            secret: {
              arn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:checkout/staging/apigee-AbCdEf',
            },
            owner: 'group:default/team-checkout',
          },
        },
      ],
    }),
  },
  {
    description:
      'One credential per environment chosen in the form, then the annotations in catalog-info.yaml',
    example: yaml.stringify({
      steps: [
        {
          id: 'provision',
          name: 'Provision Apigee credentials',
          action: 'apigee:credentials:provision',
          each: '${{ parameters.environments }}',
          input: {
            provider: '${{ parameters.provider }}',
            developer: '${{ parameters.developer }}',
            app: '${{ parameters.app }}',
            apiProducts: '${{ parameters.apiProducts }}',
            environment: '${{ each.value }}',
            secret: {
              name: 'apigee/${{ parameters.name }}/${{ each.value }}',
              accountId: '${{ parameters.accountId }}',
              region: '${{ parameters.region }}',
            },
            owner: '${{ parameters.owner }}',
          },
        },
        {
          id: 'template',
          name: 'Write catalog-info.yaml',
          action: 'fetch:template',
          input: {
            url: './skeleton',
            values: {
              name: '${{ parameters.name }}',
              owner: '${{ parameters.owner }}',
              // With `each`, every output is a list: one entry per environment.
              annotations: '${{ steps.provision.output.annotations }}',
            },
          },
        },
      ],
    }),
  },
];
