import { screen } from '@testing-library/react';
import { renderTestApp } from '@backstage/frontend-test-utils';
import { createTestEntityPage } from '@backstage/plugin-catalog-react/testUtils';
import { Entity } from '@backstage/catalog-model';
import { apigeeCredentialsEntityContent } from './plugin';

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'orders-service',
    annotations: {
      'apigee.keyrotation.dev/prod': 'x',
      'apigee.keyrotation.dev/staging': 'y',
    },
  },
  spec: { type: 'service', owner: 'team-orders', lifecycle: 'production' },
};

describe('apigeeCredentialsEntityContent', () => {
  it('renders the bound environments of the entity', async () => {
    renderTestApp({
      extensions: [
        createTestEntityPage({ entity }),
        apigeeCredentialsEntityContent,
      ],
      initialRouteEntries: ['/apigee-credentials'],
    });
    expect(await screen.findByText('Apigee credentials')).toBeInTheDocument();
    expect(await screen.findByText('prod')).toBeInTheDocument();
    expect(screen.getByText('staging')).toBeInTheDocument();
  });
});
