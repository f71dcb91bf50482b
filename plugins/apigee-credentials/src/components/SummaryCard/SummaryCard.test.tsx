import { screen } from '@testing-library/react';
import { delay, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import {
  mockApis,
  MockFetchApi,
  registerMswTestHooks,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import type { Entity } from '@backstage/catalog-model';
import { ApigeeCredentialsClient } from '../../api/ApigeeCredentialsClient';
import { apigeeCredentialsApiRef } from '../../api/ref';
import { EntityApigeeCredentialsCard } from '../../plugin';
import {
  boundEntity,
  credential,
  unboundEntity,
} from '../../__testUtils__/fixtures';
import { CREDENTIALS_URL, fakeBackend } from '../../__testUtils__/backend';
import { http } from '@keyrotation/apigee-credentials-contract';

const server = setupServer();
registerMswTestHooks(server);

async function renderCard(entity: Entity) {
  await renderInTestApp(
    <TestApiProvider
      apis={[
        [
          apigeeCredentialsApiRef,
          new ApigeeCredentialsClient({
            discoveryApi: mockApis.discovery(),
            fetchApi: new MockFetchApi(),
          }),
        ],
      ]}
    >
      <EntityProvider entity={entity}>
        <EntityApigeeCredentialsCard />
      </EntityProvider>
    </TestApiProvider>,
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
}

describe('EntityApigeeCredentialsCard (legacy app, @backstage/test-utils)', () => {
  it('shows the worst status, the oldest key and links to the tab', async () => {
    fakeBackend(server, {
      credentials: [
        [
          credential({ ageDays: 30 }),
          credential({
            id: 'staging',
            environment: 'staging',
            status: 'overdue',
            ageDays: 95,
          }),
        ],
      ],
    });
    await renderCard(boundEntity);
    expect(await screen.findByTestId('summary-status')).toHaveTextContent(
      'Overdue',
    );
    expect(screen.getByText('1 of 2 credentials')).toBeInTheDocument();
    expect(screen.getByTestId('summary-oldest-age')).toHaveTextContent(
      '95 days',
    );
    expect(
      screen.getByRole('link', { name: /View credentials/ }),
    ).toHaveAttribute(
      'href',
      '/catalog/default/component/orders-service/apigee-credentials',
    );
  });

  it('says when every credential is up to date', async () => {
    fakeBackend(server, { credentials: [[credential()]] });
    await renderCard(boundEntity);
    expect(await screen.findByTestId('summary-status')).toHaveTextContent(
      'Up to date',
    );
    expect(
      screen.getByText('1 credential, all up to date'),
    ).toBeInTheDocument();
  });

  it('shows progress while loading', async () => {
    server.use(
      http.get(CREDENTIALS_URL, async () => {
        await delay('infinite');
        return HttpResponse.json({ items: [] });
      }),
    );
    await renderCard(boundEntity);
    expect(await screen.findByTestId('progress')).toBeInTheDocument();
  });

  it('explains how to annotate an entity without binding', async () => {
    await renderCard(unboundEntity);
    expect(await screen.findByTestId('annotation-example')).toHaveTextContent(
      'apigee.keyrotation.dev/prod',
    );
    expect(
      screen.queryByRole('link', { name: /View credentials/ }),
    ).not.toBeInTheDocument();
  });
});
