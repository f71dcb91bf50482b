import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setupServer } from 'msw/node';
import {
  mockApis,
  registerMswTestHooks,
  renderInTestApp,
  renderTestApp,
} from '@backstage/frontend-test-utils';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { createTestEntityPage } from '@backstage/plugin-catalog-react/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import apigeeCredentialsPlugin from './alpha';
import { CredentialsContent } from './components/CredentialsContent';
import {
  boundEntity,
  credential,
  unboundEntity,
} from './__testUtils__/fixtures';
import { fakeBackend } from './__testUtils__/backend';
import { authorizeFor } from './__testUtils__/permissions';
import { fakeFleet } from './__testUtils__/fleet';
import {
  ENTITY_TAB_SCENARIOS,
  EntityTabHarness,
  SCENARIO_TIMEOUT_MS,
} from './__testUtils__/entityTabScenarios';

const server = setupServer();
registerMswTestHooks(server);

const apiExtension = apigeeCredentialsPlugin.getExtension(
  'api:apigee-credentials',
);
const contentExtension = apigeeCredentialsPlugin.getExtension(
  'entity-content:apigee-credentials',
);
const cardExtension = apigeeCredentialsPlugin.getExtension(
  'entity-card:apigee-credentials/summary',
);

const permission = (allowed: boolean) =>
  mockApis.permission({
    authorize: allowed ? AuthorizeResult.ALLOW : AuthorizeResult.DENY,
  });

/** Renders the plugin's entity-content extension, with its API extension, in a test app. */
const newSystemHarness: EntityTabHarness = {
  async render({ entity, rotateAllowed, adminAllowed }) {
    const toast = mockApis.toast();
    renderTestApp({
      extensions: [
        createTestEntityPage({ entity }),
        contentExtension,
        apiExtension,
      ],
      apis: [
        toast,
        mockApis.permission({
          authorize: authorizeFor({ rotateAllowed, adminAllowed }),
        }),
      ],
    });
    return {
      toastTitles: () => toast.getToasts().map(t => String(t.title)),
    };
  },
};

describe('apigee-credentials entity tab (new frontend system, @backstage/frontend-test-utils)', () => {
  it.each(ENTITY_TAB_SCENARIOS)(
    '%s',
    (_name, runScenario) => runScenario(newSystemHarness, server),
    SCENARIO_TIMEOUT_MS,
  );

  it('is only offered on entities with a binding annotation', async () => {
    renderTestApp({
      extensions: [
        createTestEntityPage({ entity: unboundEntity }),
        contentExtension,
        apiExtension,
      ],
      apis: [permission(true)],
    });
    expect(await screen.findByTestId('empty-entity-page')).toBeInTheDocument();
  });

  it('explains how to annotate an entity that has no binding', async () => {
    renderInTestApp(
      <EntityProvider entity={unboundEntity}>
        <CredentialsContent />
      </EntityProvider>,
    );
    expect(
      await screen.findByText('No Apigee credential is bound to this entity'),
    ).toBeInTheDocument();
    expect(screen.getByTestId('annotation-example')).toHaveTextContent(
      'apigee.keyrotation.dev/prod: |',
    );
  });
});

describe('apigee-credentials entity card (new frontend system)', () => {
  it('shows the worst status, the oldest key and links to the tab', async () => {
    fakeBackend(server, {
      credentials: [
        [
          credential(),
          credential({
            id: 'staging',
            environment: 'staging',
            status: 'drift',
            ageDays: 130,
            maxAgeDays: 90,
          }),
        ],
      ],
    });
    renderTestApp({
      extensions: [
        createTestEntityPage({ entity: boundEntity }),
        cardExtension,
        apiExtension,
      ],
      apis: [permission(true)],
    });
    expect(await screen.findByTestId('summary-status')).toHaveTextContent(
      'Drift',
    );
    expect(screen.getByText('1 of 2 credentials')).toBeInTheDocument();
    expect(screen.getByTestId('summary-oldest')).toHaveTextContent(
      /Oldest key \(staging\)/,
    );
    expect(screen.getByTestId('summary-oldest-age')).toHaveTextContent(
      '130 days',
    );
    // The test entity page mounts the entity route at "/".
    expect(
      screen.getByRole('link', { name: /View credentials/ }),
    ).toHaveAttribute('href', '/apigee-credentials');
  });

  it('is not shown on entities without a binding annotation', async () => {
    renderTestApp({
      extensions: [
        createTestEntityPage({ entity: unboundEntity }),
        cardExtension,
        apiExtension,
      ],
      apis: [permission(true)],
    });
    expect(await screen.findByTestId('empty-entity-page')).toBeInTheDocument();
  });
});

describe('apigee-credentials fleet page (new frontend system)', () => {
  it('is a page of the plugin, linked from the sidebar, listing the fleet', async () => {
    fakeFleet(server);
    renderTestApp({
      features: [apigeeCredentialsPlugin],
      initialRouteEntries: ['/apigee-credentials'],
      // Entity links point into the catalog, which a real app always has.
      mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
      apis: [permission(true)],
    });
    expect(await screen.findByText('fp-pay222')).toBeInTheDocument();
    expect(screen.getByText('fp-pay111')).toBeInTheDocument();
    const navLinks = screen
      .getAllByRole('link', { name: /Apigee credentials/ })
      .map(link => link.getAttribute('href'));
    expect(navLinks).toContain('/apigee-credentials');
  });

  it('filters the fleet by status', async () => {
    const user = userEvent.setup();
    const requested = fakeFleet(server);
    renderTestApp({
      features: [apigeeCredentialsPlugin],
      initialRouteEntries: ['/apigee-credentials'],
      // Entity links point into the catalog, which a real app always has.
      mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
      apis: [permission(true)],
    });
    await screen.findByText('fp-pay222');
    await user.click(screen.getByRole('button', { name: 'Overdue' }));
    await waitFor(() => expect(requested).toEqual([null, 'overdue']));
    await waitFor(() =>
      expect(screen.queryByText('fp-pay222')).not.toBeInTheDocument(),
    );
    expect(screen.getByText('fp-pay111')).toBeInTheDocument();
  });
});
