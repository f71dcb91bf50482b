import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

/** Examples shown in the scaffolder's action reference for `apigee:catalog:publish-local`. */
export const examples: TemplateExample[] = [
  {
    description:
      'Publish the catalog-info.yaml written by fetch:template, and link to the new component',
    example: yaml.stringify({
      steps: [
        {
          id: 'publish',
          name: 'Publish to the catalog',
          action: 'apigee:catalog:publish-local',
          input: { filePath: 'catalog-info.yaml' },
        },
      ],
      output: {
        links: [
          {
            title: 'Open in catalog',
            icon: 'catalog',
            entityRef: '${{ steps.publish.output.entityRef }}',
          },
        ],
      },
    }),
  },
  {
    description:
      'Publish again over an earlier, different version of the same component',
    example: yaml.stringify({
      steps: [
        {
          id: 'publish',
          name: 'Publish to the catalog',
          action: 'apigee:catalog:publish-local',
          input: { filePath: 'service/catalog-info.yaml', replace: true },
        },
      ],
    }),
  },
];
