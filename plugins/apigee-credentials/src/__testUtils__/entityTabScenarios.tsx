import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { delay, HttpResponse } from 'msw';
import type { SetupServer } from 'msw/node';
import type { Entity } from '@backstage/catalog-model';
import {
  boundEntity,
  credential,
  daysFromNow,
  lockedEntity,
  rotation,
  STATUS_CASES,
  StatusCase,
} from './fixtures';
import { CREDENTIALS_URL, errorBody, fakeBackend } from './backend';
import { OLD_KEY_SCENARIOS } from './oldKeyScenarios';
import { http } from '@keyrotation/apigee-credentials-contract';

/** How one frontend system renders the entity tab for a test. */
export interface EntityTabHarness {
  render(options: {
    entity: Entity;
    /** Whether the permission framework allows rotating; default true. */
    rotateAllowed?: boolean;
    /** Whether the user has the admin permission; default false. */
    adminAllowed?: boolean;
  }): Promise<{ toastTitles: () => string[] }>;
}

/** One behaviour of the tab: a name and the steps, run by each system's test file. */
export type EntityTabScenario = [
  name: string,
  run: (harness: EntityTabHarness, server: SetupServer) => Promise<void>,
];

/** Long enough for the scenarios that follow a rotation (polled every second). */
export const SCENARIO_TIMEOUT_MS = 20000;
const ROTATION_WAIT = { timeout: 6000 };

/** Waits for the Rotate button of an environment to be usable. */
async function rotateButton(environment: string) {
  const button = await screen.findByRole('button', {
    name: `Rotate ${environment}`,
  });
  await waitFor(() => expect(button).toBeEnabled());
  return button;
}

/** Presses Rotate for prod and confirms. */
async function rotateProd() {
  const user = userEvent.setup();
  await user.click(await rotateButton('prod'));
  await user.click(await screen.findByRole('button', { name: 'Rotate now' }));
}

function answerRotate(server: SetupServer, response: () => Response) {
  let requests = 0;
  server.use(
    http.post(`${CREDENTIALS_URL}/:bindingId/rotate`, () => {
      requests += 1;
      return response();
    }),
  );
  return () => requests;
}

function statusScenario(statusCase: StatusCase): EntityTabScenario {
  return [
    `shows a ${statusCase.status} credential with its status in words`,
    async (harness, server) => {
      fakeBackend(server, {
        credentials: [[statusCase.credential]],
        rotations: {
          'rot-running': [
            rotation({
              id: 'rot-running',
              status: 'running',
              phase: 'tested',
              finishedAt: undefined,
            }),
          ],
        },
      });
      await harness.render({ entity: boundEntity });

      expect(
        await screen.findByTestId('credential-status-prod'),
      ).toHaveTextContent(statusCase.label);
      // The key is in the row's details, under its main row.
      const details = within(screen.getByTestId('credential-details-prod'));
      expect(
        details.queryByTestId('fingerprint-prod')?.textContent ?? null,
      ).toBe(statusCase.credential.keyFingerprint ?? null);
      for (const text of statusCase.texts) {
        expect((await screen.findAllByText(text)).length).toBeGreaterThan(0);
      }
      const rotate = screen.getByRole('button', { name: 'Rotate prod' });
      await waitFor(() =>
        expect((rotate as HTMLButtonElement).disabled).toBe(
          !statusCase.rotatable,
        ),
      );
    },
  ];
}

async function loadingShowsProgress(
  harness: EntityTabHarness,
  server: SetupServer,
) {
  server.use(
    http.get(CREDENTIALS_URL, async () => {
      await delay('infinite');
      return HttpResponse.json({ items: [] });
    }),
  );
  await harness.render({ entity: boundEntity });
  expect(await screen.findByTestId('progress')).toBeInTheDocument();
  expect(screen.queryByRole('table')).not.toBeInTheDocument();
}

async function backendFailureShowsErrorPanel(
  harness: EntityTabHarness,
  server: SetupServer,
) {
  server.use(
    http.get(CREDENTIALS_URL, () =>
      HttpResponse.json(errorBody('Error', 'database unavailable', 500), {
        status: 500,
      }),
    ),
  );
  await harness.render({ entity: boundEntity });
  expect(
    (await screen.findAllByText(/database unavailable/)).length,
  ).toBeGreaterThan(0);
  expect(screen.queryByRole('table')).not.toBeInTheDocument();
}

async function ageIsGaugedAgainstMaximum(
  harness: EntityTabHarness,
  server: SetupServer,
) {
  fakeBackend(server, { credentials: [[credential({ ageDays: 45 })]] });
  await harness.render({ entity: boundEntity });
  expect(await screen.findByTestId('credential-age-prod')).toHaveTextContent(
    '45 days',
  );
  const gauge = screen.getByRole('progressbar', {
    name: 'Age of the prod key against its maximum of 90 days',
  });
  expect(gauge).toHaveAttribute('aria-valuenow', '50');
}

async function rotateDeniedIsExplained(
  harness: EntityTabHarness,
  server: SetupServer,
) {
  fakeBackend(server, { credentials: [[credential()]] });
  await harness.render({ entity: lockedEntity, rotateAllowed: false });
  // Wait for the permission answer: while it loads the button is disabled too.
  await userEvent.hover(await screen.findByTestId('rotate-disabled-prod'));
  await waitFor(() =>
    expect(screen.getByRole('tooltip')).toHaveTextContent(
      'Only members of team-orders (the owners) or platform admins may rotate this credential.',
    ),
  );
  expect(screen.getByRole('button', { name: 'Rotate prod' })).toBeDisabled();
  // Said on the page too, not only on hover.
  expect(screen.getByTestId('rotate-denied-note')).toHaveTextContent(
    'only members of team-orders (the owners) or platform admins may',
  );
  // Checking calls Apigee and AWS: owners only, like Rotate.
  expect(
    screen.queryByRole('button', { name: 'Check now prod' }),
  ).not.toBeInTheDocument();
}

async function notCheckedIsListedFromTheAnnotation(
  harness: EntityTabHarness,
  server: SetupServer,
) {
  // The backend lists nothing before its first sync, then the binding unchecked, then checked.
  const calls = fakeBackend(server, {
    credentials: [
      [],
      [
        credential({
          keyFingerprint: undefined,
          ageDays: undefined,
          createdAt: undefined,
          lastRotation: undefined,
          nextRotationAt: undefined,
          checkedAt: undefined,
          statusReason:
            'Not checked yet: the next scheduled run reads the age of the key.',
        }),
      ],
      [credential({ checkedAt: daysFromNow(0) })],
    ],
  });
  await harness.render({ entity: boundEntity });
  expect(await screen.findByTestId('credential-status-prod')).toHaveTextContent(
    'Not checked yet',
  );
  expect(screen.getByTestId('credential-row-prod')).toHaveTextContent(
    'orders-service',
  );
  expect(screen.getByTestId('status-advice-prod')).toHaveTextContent(
    "Listed from the entity's annotation",
  );
  expect(screen.getByRole('button', { name: 'Rotate prod' })).toBeDisabled();
  // The tab reloads by itself until the binding is checked.
  await waitFor(
    () =>
      expect(screen.getByTestId('credential-status-prod')).toHaveTextContent(
        'Up to date',
      ),
    { timeout: 15000 },
  );
  expect(calls.credentials).toBeGreaterThanOrEqual(3);
  expect(screen.getByTestId('fingerprint-prod')).toHaveTextContent('fp-1a2b3c');
}

async function failuresLinkToTheRunbook(
  harness: EntityTabHarness,
  server: SetupServer,
) {
  fakeBackend(server, {
    credentials: [
      [
        credential({ status: 'drift', statusReason: 'The key is revoked' }),
        credential({
          id: 'staging',
          environment: 'staging',
          status: 'overdue',
          ageDays: 97,
        }),
      ],
    ],
  });
  await harness.render({ entity: boundEntity });
  const advice = await screen.findByTestId('status-advice-prod');
  expect(advice).toHaveTextContent(/What to do:.*press Rotate/);
  expect(
    within(advice).getByRole('link', { name: /Runbook for prod: drift/ }),
  ).toHaveAttribute('href', expect.stringContaining('#operator-runbook'));
  // An overdue key needs no operator: advice, but no runbook.
  expect(
    within(screen.getByTestId('status-advice-staging')).queryByRole('link'),
  ).not.toBeInTheDocument();
}

async function checkNowReportsAndRefreshes(
  harness: EntityTabHarness,
  server: SetupServer,
) {
  const user = userEvent.setup();
  const calls = fakeBackend(server, {
    credentials: [
      [credential({ status: 'drift', statusReason: 'The key is revoked' })],
      [credential()],
    ],
  });
  let checks = 0;
  server.use(
    http.post(`${CREDENTIALS_URL}/:bindingId/check`, ({ params }) => {
      checks += 1;
      return HttpResponse.json(credential({ id: String(params.bindingId) }));
    }),
  );
  await harness.render({ entity: boundEntity });
  await user.click(
    await screen.findByRole('button', { name: 'Check now prod' }),
  );
  expect(await screen.findByTestId('action-notice-prod')).toHaveTextContent(
    'Checked prod just now: Up to date.',
  );
  expect(checks).toBe(1);
  await waitFor(() =>
    expect(screen.getByTestId('credential-status-prod')).toHaveTextContent(
      'Up to date',
    ),
  );
  expect(calls.credentials).toBeGreaterThanOrEqual(2);
}

async function checkNowFailureIsShownInline(
  harness: EntityTabHarness,
  server: SetupServer,
) {
  const user = userEvent.setup();
  fakeBackend(server, { credentials: [[credential()]] });
  // The check documents no status for Apigee being down: it is an unexpected error, 500.
  server.use(
    http.post(`${CREDENTIALS_URL}/:bindingId/check`, () =>
      HttpResponse.json(errorBody('Error', 'Apigee unreachable', 500), {
        status: 500,
      }),
    ),
  );
  await harness.render({ entity: boundEntity });
  await user.click(
    await screen.findByRole('button', { name: 'Check now prod' }),
  );
  expect(await screen.findByRole('alert')).toHaveTextContent(
    'Could not check prod: Apigee unreachable',
  );
}

async function approveIsForAdminsOnly(
  harness: EntityTabHarness,
  server: SetupServer,
) {
  fakeBackend(server, {
    credentials: [
      [STATUS_CASES.find(c => c.status === 'unverified')!.credential],
    ],
  });
  await harness.render({ entity: boundEntity, adminAllowed: false });
  // Once the owner's actions are there, the permission answers are in.
  expect(
    await screen.findByRole('button', { name: 'Check now prod' }),
  ).toBeInTheDocument();
  await waitFor(() =>
    expect(screen.getByRole('button', { name: 'Rotate prod' })).toBeDisabled(),
  );
  expect(
    screen.queryByRole('button', { name: 'Approve prod' }),
  ).not.toBeInTheDocument();
}

async function rotateFlow(harness: EntityTabHarness, server: SetupServer) {
  const user = userEvent.setup();
  const calls = fakeBackend(server, {
    credentials: [
      [credential()],
      [
        credential({
          keyFingerprint: 'fp-9z8y7x',
          ageDays: 0,
          pendingDeletions: [
            { keyFingerprint: 'fp-1a2b3c', dueAt: daysFromNow(1.5) },
          ],
        }),
      ],
    ],
    rotations: {
      'rot-new': [
        rotation({
          id: 'rot-new',
          status: 'running',
          phase: 'imported',
          trigger: 'manual',
          finishedAt: undefined,
        }),
        rotation({
          id: 'rot-new',
          status: 'succeeded',
          phase: 'completed',
          trigger: 'manual',
          newKeyFingerprint: 'fp-9z8y7x',
        }),
      ],
    },
  });
  const rotateRequests = answerRotate(server, () =>
    HttpResponse.json({ id: 'rot-new' }, { status: 202 }),
  );
  const { toastTitles } = await harness.render({ entity: boundEntity });

  await user.click(await rotateButton('prod'));
  const dialog = await screen.findByRole('dialog');
  expect(dialog).toHaveTextContent('Rotate the prod credential?');
  expect(dialog).toHaveTextContent(
    /new consumer key and secret are created in the Apigee app orders-service/,
  );
  expect(dialog).toHaveTextContent(
    /secret arn:aws:secretsmanager:.*orders-service\/apigee-prod in AWS Secrets Manager is updated/,
  );
  // The grace period comes from the binding annotation (gracePeriod: 36h).
  expect(dialog).toHaveTextContent(
    /old key stays valid for its grace period of 1 day 12 hours/,
  );
  expect(rotateRequests()).toBe(0);

  await user.click(within(dialog).getByRole('button', { name: 'Rotate now' }));
  expect(
    await screen.findByText('Rotating prod: adding it to the Apigee app'),
  ).toBeInTheDocument();
  expect(rotateRequests()).toBe(1);
  expect(
    await screen.findByText(
      'Rotation of prod succeeded',
      undefined,
      ROTATION_WAIT,
    ),
  ).toBeInTheDocument();
  await waitFor(() =>
    expect(toastTitles()).toContain('Rotated the prod credential'),
  );
  // The row is reloaded: the new key, and the old one awaiting deletion.
  await waitFor(() =>
    expect(screen.getByTestId('fingerprint-prod')).toHaveTextContent(
      'fp-9z8y7x',
    ),
  );
  expect(screen.getByTestId('credential-age-prod')).toHaveTextContent('0 days');
  expect(screen.getByTestId('pending-deletions-prod')).toHaveTextContent(
    'fp-1a2b3c',
  );
  expect(calls.credentials).toBeGreaterThanOrEqual(2);
}

async function cancelledConfirmationDoesNothing(
  harness: EntityTabHarness,
  server: SetupServer,
) {
  const user = userEvent.setup();
  fakeBackend(server, { credentials: [[credential()]] });
  const rotateRequests = answerRotate(server, () =>
    HttpResponse.json({ id: 'x' }, { status: 202 }),
  );
  await harness.render({ entity: boundEntity });
  await user.click(await rotateButton('prod'));
  await user.click(await screen.findByRole('button', { name: 'Cancel' }));
  await waitFor(() =>
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
  );
  expect(rotateRequests()).toBe(0);
}

async function failedRotationIsToasted(
  harness: EntityTabHarness,
  server: SetupServer,
) {
  fakeBackend(server, {
    credentials: [[credential()]],
    rotations: {
      'rot-bad': [
        rotation({
          id: 'rot-bad',
          status: 'failed',
          phase: 'failed',
          trigger: 'manual',
          error: 'Apigee rejected the new key',
        }),
      ],
    },
  });
  answerRotate(server, () =>
    HttpResponse.json({ id: 'rot-bad' }, { status: 202 }),
  );
  const { toastTitles } = await harness.render({ entity: boundEntity });
  await rotateProd();
  expect(
    await screen.findByText(
      'Rotation of prod failed',
      undefined,
      ROTATION_WAIT,
    ),
  ).toBeInTheDocument();
  expect(screen.getByTestId('rotation-progress-prod')).toHaveTextContent(
    'Apigee rejected the new key',
  );
  await waitFor(() =>
    expect(toastTitles()).toContain('Rotation of prod failed'),
  );
}

async function conflictIsShownInline(
  harness: EntityTabHarness,
  server: SetupServer,
) {
  fakeBackend(server, { credentials: [[credential()]] });
  answerRotate(server, () =>
    HttpResponse.json(
      errorBody('ConflictError', 'A rotation of prod is running', 409),
      { status: 409 },
    ),
  );
  await harness.render({ entity: boundEntity });
  await rotateProd();
  expect(await screen.findByTestId('rotate-notice-prod')).toHaveTextContent(
    'A rotation of prod is already running',
  );
  // Inline, not an error page: the row is still there.
  expect(screen.getByTestId('credential-row-prod')).toBeInTheDocument();
}

async function cooldownIsShownInline(
  harness: EntityTabHarness,
  server: SetupServer,
) {
  fakeBackend(server, { credentials: [[credential()]] });
  answerRotate(server, () =>
    HttpResponse.json(errorBody('TooManyRequests', 'cooling down', 429), {
      status: 429,
      headers: { 'Retry-After': '600' },
    }),
  );
  await harness.render({ entity: boundEntity });
  await rotateProd();
  expect(await screen.findByTestId('rotate-notice-prod')).toHaveTextContent(
    'try again in 10 minutes',
  );
  expect(screen.getByTestId('credential-row-prod')).toBeInTheDocument();
}

async function historyIsPaged(harness: EntityTabHarness, server: SetupServer) {
  const user = userEvent.setup();
  fakeBackend(server, {
    credentials: [[credential()]],
    history: [
      {
        items: [
          rotation({
            id: 'h1',
            trigger: 'manual',
            actor: 'user:default/jane',
          }),
        ],
        nextCursor: '1',
      },
      {
        items: [
          rotation({
            id: 'h2',
            status: 'rolled-back',
            phase: 'failed',
            error: 'probe failed',
          }),
        ],
      },
    ],
  });
  await harness.render({ entity: boundEntity });
  await user.click(
    await screen.findByRole('button', { name: 'Show history of prod' }),
  );
  const history = await screen.findByTestId('history-prod');
  expect(
    await within(history).findByTestId('history-row-h1'),
  ).toHaveTextContent('by jane');
  await user.click(
    within(history).getByRole('button', { name: 'Load older rotations' }),
  );
  expect(
    await within(history).findByTestId('history-row-h2'),
  ).toHaveTextContent(/Rolled back.*probe failed/);
  expect(
    within(history).queryByRole('button', { name: 'Load older rotations' }),
  ).not.toBeInTheDocument();
}

/**
 * The behaviour of the entity tab, written once and run against both frontend systems'
 * test utilities (legacy `@backstage/test-utils` and `@backstage/frontend-test-utils`):
 * `it.each(ENTITY_TAB_SCENARIOS)('%s', (_, runScenario) => runScenario(harness, server))`.
 */
export const ENTITY_TAB_SCENARIOS: EntityTabScenario[] = [
  ['shows a progress bar while the credentials load', loadingShowsProgress],
  [
    'shows the error panel when the backend fails',
    backendFailureShowsErrorPanel,
  ],
  ...STATUS_CASES.map(statusScenario),
  [
    'shows the age against the maximum age as a gauge',
    ageIsGaugedAgainstMaximum,
  ],
  [
    'disables Rotate and explains why when the user may not rotate',
    rotateDeniedIsExplained,
  ],
  [
    'lists a binding not checked yet from the annotation, and updates it by itself',
    notCheckedIsListedFromTheAnnotation,
  ],
  [
    'links drift and failures to the runbook, under what to do next',
    failuresLinkToTheRunbook,
  ],
  [
    'checks a binding now for an owner, says the outcome and refreshes the row',
    checkNowReportsAndRefreshes,
  ],
  [
    'shows a failed check now inline with the reason',
    checkNowFailureIsShownInline,
  ],
  [
    'offers no Approve on an unverified binding to a user without the admin permission',
    approveIsForAdminsOnly,
  ],
  [
    'rotates after confirmation, follows the phases, toasts and refreshes the row',
    rotateFlow,
  ],
  [
    'does nothing when the confirmation is cancelled',
    cancelledConfirmationDoesNothing,
  ],
  [
    'reports a failed rotation in a toast, keeping the current key',
    failedRotationIsToasted,
  ],
  [
    'shows a rotation that is already running (409) inline',
    conflictIsShownInline,
  ],
  [
    'shows the manual-rotation cooldown (429) inline with the wait',
    cooldownIsShownInline,
  ],
  [
    'expands the rotation history of a binding, a page at a time',
    historyIsPaged,
  ],
  ...OLD_KEY_SCENARIOS,
];
