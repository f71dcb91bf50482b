import { screen, waitFor, within } from '@testing-library/react';
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
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { ApigeeCredentialsClient } from '../../api/ApigeeCredentialsClient';
import { apigeeCredentialsApiRef } from '../../api/ref';
import { LegacyFleetPage } from './LegacyFleetPage';
import { fakeFleet } from '../../__testUtils__/fleet';
import { http } from '@keyrotation/apigee-credentials-contract';

const server = setupServer();
registerMswTestHooks(server);

async function renderFleetPage() {
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
      <LegacyFleetPage />
    </TestApiProvider>,
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
}

/** The entity and environment of each body row, top to bottom. */
function visibleRows() {
  return screen
    .getAllByRole('row')
    .filter(row => within(row).queryAllByRole('link').length > 0)
    .map(row => {
      const cells = within(row).getAllByRole('cell');
      return `${cells[0].textContent} ${cells[1].textContent}`;
    });
}

describe('LegacyFleetPage, the page of ApigeeCredentialsFleetPage (legacy app, @backstage/test-utils)', () => {
  it('lists every bound credential across pages, oldest key first', async () => {
    fakeFleet(server);
    await renderFleetPage();
    expect(await screen.findByText('fp-pay222')).toBeInTheDocument();
    expect(visibleRows()).toEqual([
      'payments-service prod',
      'payments-service staging',
      'orders-service prod',
    ]);
    expect(screen.getByText('97 days')).toBeInTheDocument();
  });

  it('sorts by age the other way when the Age heading is clicked', async () => {
    const user = userEvent.setup();
    fakeFleet(server);
    await renderFleetPage();
    await screen.findByText('fp-pay222');
    // The sort label of the Age heading (material-table nests a drag handle in it).
    await user.click(screen.getAllByRole('button', { name: 'Age' })[0]);
    await waitFor(() => expect(visibleRows()[0]).toBe('orders-service prod'));
  });

  it.each([
    ['Overdue', 'overdue', 'fp-pay111'],
    ['Drift', 'drift', 'fp-pay222'],
  ])('filters for %s credentials', async (label, status, shown) => {
    const user = userEvent.setup();
    const requested = fakeFleet(server);
    await renderFleetPage();
    await screen.findByText('fp-pay222');
    const filter = screen.getByRole('button', { name: label });
    await user.click(filter);
    await waitFor(() => expect(requested).toEqual([null, status]));
    expect(filter).toHaveAttribute('aria-pressed', 'true');
    await waitFor(() => expect(visibleRows()).toHaveLength(1));
    expect(screen.getByText(shown)).toBeInTheDocument();
  });

  it('filters for failing credentials and says when none match', async () => {
    const user = userEvent.setup();
    const requested = fakeFleet(server);
    await renderFleetPage();
    await screen.findByText('fp-pay222');
    await user.click(screen.getByRole('button', { name: 'Failing' }));
    await waitFor(() => expect(requested).toEqual([null, 'failed']));
    expect(
      await screen.findByText('No credential matches this filter.'),
    ).toBeInTheDocument();
  });

  it.each([
    ['Old key still in use', 'oldKeyInUse', 'payments-service prod'],
    ['Paused', 'paused', 'orders-service prod'],
  ])(
    'narrows the list to %s with its switch, and back',
    async (label, param, shown) => {
      const user = userEvent.setup();
      const requested = fakeFleet(server);
      await renderFleetPage();
      await screen.findByText('fp-pay222');
      const toggle = screen.getByRole('checkbox', { name: label });
      expect(toggle).not.toBeChecked();
      await user.click(toggle);
      await waitFor(() =>
        expect(requested.queries).toEqual([
          { limit: '200' },
          { [param]: 'true', limit: '200' },
        ]),
      );
      await waitFor(() => expect(visibleRows()).toEqual([shown]));
      // Switched off, the filter is left out again.
      await user.click(toggle);
      await waitFor(() => expect(visibleRows()).toHaveLength(3));
      expect(requested.queries[2]).toEqual({ limit: '200' });
    },
  );

  it('marks paused credentials and old keys still in use', async () => {
    fakeFleet(server);
    await renderFleetPage();
    await screen.findByText('fp-pay222');
    const row = (name: string) =>
      within(
        screen.getAllByRole('row').find(r => r.textContent?.startsWith(name))!,
      );
    const orders = row('orders-serviceprod');
    expect(orders.getByText('Paused').closest('[title]')).toHaveAttribute(
      'title',
      'Scheduled rotation paused by jane: release freeze',
    );
    expect(orders.queryByText('Old key in use')).not.toBeInTheDocument();
    const payments = row('payments-serviceprod');
    expect(payments.getByText('Old key in use')).toBeInTheDocument();
    expect(payments.queryByText('Paused')).not.toBeInTheDocument();
  });

  it('shows an error panel when the backend fails', async () => {
    server.use(
      http.get('*/api/apigee-credentials/v1/credentials', () =>
        HttpResponse.json(
          {
            error: { name: 'Error', message: 'fleet query failed' },
            response: { statusCode: 500 },
          },
          { status: 500 },
        ),
      ),
    );
    await renderFleetPage();
    expect(
      (await screen.findAllByText(/fleet query failed/)).length,
    ).toBeGreaterThan(0);
  });
});
