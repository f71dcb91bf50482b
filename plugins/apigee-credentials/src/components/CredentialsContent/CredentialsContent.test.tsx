import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import {
  mockApis,
  MockFetchApi,
  registerMswTestHooks,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import { alertApiRef } from '@backstage/core-plugin-api';
import { coreApis, ToastApi } from '@backstage/frontend-plugin-api';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import type { Entity } from '@backstage/catalog-model';
import { ApigeeCredentialsClient } from '../../api/ApigeeCredentialsClient';
import { apigeeCredentialsApiRef } from '../../api/ref';
import { EntityApigeeCredentialsContent } from '../../plugin';
import {
  boundEntity,
  credential,
  rotation,
  unboundEntity,
} from '../../__testUtils__/fixtures';
import { CREDENTIALS_URL, fakeBackend } from '../../__testUtils__/backend';
import { authorizeFor } from '../../__testUtils__/permissions';
import {
  ENTITY_TAB_SCENARIOS,
  EntityTabHarness,
  SCENARIO_TIMEOUT_MS,
} from '../../__testUtils__/entityTabScenarios';
import { http } from '@keyrotation/apigee-credentials-contract';

const server = setupServer();
registerMswTestHooks(server);

const client = () =>
  new ApigeeCredentialsClient({
    discoveryApi: mockApis.discovery(),
    fetchApi: new MockFetchApi(),
  });

/** Renders the legacy `EntityApigeeCredentialsContent` extension in a legacy test app. */
async function renderLegacyTab(options: {
  entity: Entity;
  rotateAllowed?: boolean;
  adminAllowed?: boolean;
  toastApi?: ToastApi;
  alertApi?: { post: jest.Mock; alert$: () => any };
}) {
  const apis: any[] = [
    [apigeeCredentialsApiRef, client()],
    [
      permissionApiRef,
      mockApis.permission({
        authorize: authorizeFor(options),
      }),
    ],
  ];
  if (options.toastApi) apis.push([coreApis.toast, options.toastApi]);
  if (options.alertApi) apis.push([alertApiRef, options.alertApi]);
  await renderInTestApp(
    <TestApiProvider apis={apis as any}>
      <EntityProvider entity={options.entity}>
        <EntityApigeeCredentialsContent />
      </EntityProvider>
    </TestApiProvider>,
    {
      mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
    },
  );
}

const legacyHarness: EntityTabHarness = {
  async render({ entity, rotateAllowed, adminAllowed }) {
    const titles: string[] = [];
    const toastApi: ToastApi = {
      post: toast => {
        titles.push(String(toast.title));
        return { close: () => {} };
      },
    };
    await renderLegacyTab({ entity, rotateAllowed, adminAllowed, toastApi });
    return { toastTitles: () => titles };
  },
};

describe('EntityApigeeCredentialsContent (legacy app, @backstage/test-utils)', () => {
  it.each(ENTITY_TAB_SCENARIOS)(
    '%s',
    (_name, runScenario) => runScenario(legacyHarness, server),
    SCENARIO_TIMEOUT_MS,
  );

  it('explains how to annotate an entity that has no binding', async () => {
    await renderLegacyTab({ entity: unboundEntity });
    expect(
      await screen.findByText('No Apigee credential is bound to this entity'),
    ).toBeInTheDocument();
    const example = screen.getByTestId('annotation-example');
    expect(example).toHaveTextContent('apigee.keyrotation.dev/prod: |');
    expect(example).toHaveTextContent('provider: apigee-edge');
    expect(example).toHaveTextContent('secret: arn:aws:secretsmanager:');
  });

  it('falls back to the Alert API for the outcome in apps without a Toast API', async () => {
    const user = userEvent.setup();
    fakeBackend(server, {
      credentials: [[credential()]],
      rotations: {
        'rot-new': [
          rotation({ id: 'rot-new', status: 'succeeded', trigger: 'manual' }),
        ],
      },
    });
    server.use(
      http.post(`${CREDENTIALS_URL}/prod/rotate`, () =>
        HttpResponse.json({ id: 'rot-new' }, { status: 202 }),
      ),
    );
    const alertApi = { post: jest.fn(), alert$: jest.fn() };
    await renderLegacyTab({ entity: boundEntity, alertApi });
    const rotate = await screen.findByRole('button', { name: 'Rotate prod' });
    await waitFor(() => expect(rotate).toBeEnabled());
    await user.click(rotate);
    await user.click(await screen.findByRole('button', { name: 'Rotate now' }));
    await waitFor(() =>
      expect(alertApi.post).toHaveBeenCalledWith(
        expect.objectContaining({
          message: expect.stringContaining('Rotated the prod credential'),
          severity: 'success',
        }),
      ),
    );
  });
});
