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
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { ApigeeCredentialsClient } from '../../api/ApigeeCredentialsClient';
import { apigeeCredentialsApiRef } from '../../api/ref';
import { CredentialsContent } from '../CredentialsContent';
import {
  boundEntity,
  credential,
  STATUS_CASES,
} from '../../__testUtils__/fixtures';
import { CREDENTIALS_URL, fakeBackend } from '../../__testUtils__/backend';
import { authorizeFor } from '../../__testUtils__/permissions';
import { http } from '@keyrotation/apigee-credentials-contract';

// In a file of its own: the admin answer is cached per test file (see authorizeFor).
const server = setupServer();
registerMswTestHooks(server);

const unverified = STATUS_CASES.find(c => c.status === 'unverified')!;

async function renderAsAdmin() {
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
        [
          permissionApiRef,
          mockApis.permission({
            authorize: authorizeFor({ adminAllowed: true }),
          }),
        ],
      ]}
    >
      <EntityProvider entity={boundEntity}>
        <CredentialsContent />
      </EntityProvider>
    </TestApiProvider>,
  );
}

function answerApprove() {
  let approvals = 0;
  server.use(
    http.post(`${CREDENTIALS_URL}/:bindingId/approve`, () => {
      approvals += 1;
      return HttpResponse.json(credential());
    }),
  );
  return () => approvals;
}

describe('Approve (admins)', () => {
  it('says what approval means before approving, and approves only after confirmation', async () => {
    const user = userEvent.setup();
    const calls = fakeBackend(server, {
      credentials: [[unverified.credential], [credential()]],
    });
    const approvals = answerApprove();
    await renderAsAdmin();

    await user.click(
      await screen.findByRole('button', { name: 'Approve prod' }),
    );
    const dialog = await screen.findByRole('dialog');
    expect(dialog).toHaveTextContent('Approve the prod credential?');
    expect(dialog).toHaveTextContent(
      /rotates this app's key into this secret although they carry no ownership marks/,
    );
    expect(dialog).toHaveTextContent(/orders-service\/apigee-prod/);
    expect(dialog).toHaveTextContent(/audited under your name/);

    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
    expect(approvals()).toBe(0);

    await user.click(screen.getByRole('button', { name: 'Approve prod' }));
    await user.click(
      within(await screen.findByRole('dialog')).getByRole('button', {
        name: 'Approve and check',
      }),
    );
    expect(await screen.findByTestId('action-notice-prod')).toHaveTextContent(
      'Approved prod; checked just now: Up to date.',
    );
    expect(approvals()).toBe(1);
    // The row is reloaded: verified now, so no Approve any more.
    await waitFor(() =>
      expect(screen.getByTestId('credential-status-prod')).toHaveTextContent(
        'Up to date',
      ),
    );
    expect(
      screen.queryByRole('button', { name: 'Approve prod' }),
    ).not.toBeInTheDocument();
    expect(calls.credentials).toBeGreaterThanOrEqual(2);
  });

  it('is offered on unverified bindings only', async () => {
    fakeBackend(server, { credentials: [[credential()]] });
    await renderAsAdmin();
    expect(
      await screen.findByRole('button', { name: 'Check now prod' }),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: 'Approve prod' }),
    ).not.toBeInTheDocument();
  });
});
