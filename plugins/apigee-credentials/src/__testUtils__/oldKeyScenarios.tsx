import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { SetupServer } from 'msw/node';
import {
  boundEntity,
  credential,
  daysFromNow,
  lockedEntity,
  minutesFromNow,
  oldKey,
  OLD_KEY_CASES,
  OLD_KEY_FINGERPRINT,
  OLD_KEY_SHORT,
  OldKeyCase,
  rotation,
  stillUsedTraffic,
} from './fixtures';
import { answerOwnerActions, errorResponse, fakeBackend } from './backend';
import type { EntityTabHarness, EntityTabScenario } from './entityTabScenarios';

const REVOKE = `Revoke now: old key ${OLD_KEY_FINGERPRINT} of prod`;
const RESTORE = `Restore old key ${OLD_KEY_FINGERPRINT} of prod`;
const PAUSE = 'Pause scheduled rotation of prod';
const RESUME = 'Resume scheduled rotation of prod';

/** Built at each use so that its relative times hold in a slow run. */
const stillUsed = () =>
  oldKey({
    state: 'in-use',
    deadlineAt: daysFromNow(3),
    traffic: stillUsedTraffic(),
  });
const revoked = OLD_KEY_CASES.find(
  c => c.name === 'revoked and restorable',
)!.oldKey;

/** The old key's row in the old-keys panel of prod. */
async function oldKeyRow() {
  return within(await screen.findByTestId(`old-key-prod-${OLD_KEY_SHORT}`));
}

function oldKeyStateScenario(oldKeyCase: OldKeyCase): EntityTabScenario {
  return [
    `shows an old key ${oldKeyCase.name} with its state in words, its deadline and its action`,
    async (harness, server) => {
      fakeBackend(server, {
        credentials: [[credential({ oldKeys: [oldKeyCase.oldKey] })]],
      });
      await harness.render({ entity: boundEntity });
      const row = await oldKeyRow();
      expect(
        row.getByTestId(`old-key-state-prod-${OLD_KEY_SHORT}`),
      ).toHaveTextContent(oldKeyCase.chip);
      expect(row.getByText(oldKeyCase.text)).toBeInTheDocument();
      expect(row.getAllByRole('cell')[2]).toHaveTextContent(
        oldKeyCase.deadline,
      );
      // The details line sums the old keys up.
      expect(screen.getByTestId('credential-details-prod')).toHaveTextContent(
        `Old keys: 1 ${oldKeyCase.chip.toLocaleLowerCase('en-US')}`,
      );
      // Once the permission is in, the key's one action (if any) is there.
      await screen.findByRole('button', { name: PAUSE });
      expect(Boolean(row.queryByRole('button', { name: REVOKE }))).toBe(
        oldKeyCase.action === 'Revoke now',
      );
      expect(Boolean(row.queryByRole('button', { name: RESTORE }))).toBe(
        oldKeyCase.action === 'Restore',
      );
      // The fingerprint, as everywhere in the tab; never a key.
      expect(row.getAllByRole('cell')[0]).toHaveTextContent(
        new RegExp(`^${OLD_KEY_FINGERPRINT}$`),
      );
    },
  ];
}

async function revokeShowsTrafficThenAsks(
  harness: EntityTabHarness,
  server: SetupServer,
) {
  const user = userEvent.setup();
  const calls = fakeBackend(server, {
    credentials: [
      [credential({ oldKeys: [stillUsed()] })],
      [credential({ oldKeys: [revoked] })],
    ],
  });
  const requests = answerOwnerActions(server);
  const { toastTitles } = await harness.render({ entity: boundEntity });

  await user.click(
    await (await oldKeyRow()).findByRole('button', { name: REVOKE }),
  );
  const dialog = within(await screen.findByRole('dialog'));
  expect(
    dialog.getByText(`Revoke old key ${OLD_KEY_FINGERPRINT} of prod now?`),
  ).toBeInTheDocument();
  // The figures first, asked of analytics now.
  const figures = await dialog.findByTestId('traffic-figures');
  expect(figures).toHaveTextContent(/42 calls in the last hour/);
  expect(figures).toHaveTextContent(/last call 6 minutes ago/);
  expect(
    within(figures).getByRole('row', { name: /orders-v1 10\.0\.0\.7 40/ }),
  ).toBeInTheDocument();
  expect(requests).toEqual([
    { action: 'traffic', bindingId: 'prod', fingerprint: OLD_KEY_FINGERPRINT },
  ]);

  // Then a deliberate confirmation: the button does nothing until it is ticked.
  const revoke = dialog.getByRole('button', { name: 'Revoke key' });
  expect(revoke).toBeDisabled();
  await user.click(
    dialog.getByRole('checkbox', {
      name: 'I understand that the consumers above fail at once',
    }),
  );
  expect(requests.map(r => r.action)).toEqual(['traffic']);
  await user.click(revoke);

  await waitFor(() =>
    expect(toastTitles()).toContain(
      `Revoked old key ${OLD_KEY_FINGERPRINT} of prod`,
    ),
  );
  expect(requests.map(r => r.action)).toEqual(['traffic', 'revoke']);
  expect(requests[1].fingerprint).toBe(OLD_KEY_FINGERPRINT);
  await waitFor(() =>
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
  );
  // The row is reloaded: the key is revoked now, and can be restored.
  await waitFor(async () =>
    expect(
      (await oldKeyRow()).getByTestId(`old-key-state-prod-${OLD_KEY_SHORT}`),
    ).toHaveTextContent('Revoked'),
  );
  expect(
    (await oldKeyRow()).getByRole('button', { name: RESTORE }),
  ).toBeInTheDocument();
  expect(calls.credentials).toBeGreaterThanOrEqual(2);
}

async function revokeWithoutAnalyticsSaysWhyAndShowsRefusal(
  harness: EntityTabHarness,
  server: SetupServer,
) {
  const user = userEvent.setup();
  fakeBackend(server, {
    credentials: [[credential({ oldKeys: [stillUsed()] })]],
  });
  const requests = answerOwnerActions(server, {
    traffic: () =>
      errorResponse(
        'ServiceUnavailableError',
        'analytics is not configured for environment prod',
        503,
      ),
    revoke: () =>
      errorResponse(
        'ConflictError',
        'The key is in AWSCURRENT again and cannot be revoked',
        409,
      ),
  });
  await harness.render({ entity: boundEntity });
  await user.click(
    await (await oldKeyRow()).findByRole('button', { name: REVOKE }),
  );
  const dialog = within(await screen.findByRole('dialog'));
  expect(await dialog.findByTestId('traffic-unknown')).toHaveTextContent(
    'Apigee analytics cannot say whether this key is still used: analytics is not configured for environment prod.',
  );
  await user.click(
    dialog.getByRole('checkbox', {
      name: 'I understand that anything still using this key fails at once',
    }),
  );
  await user.click(dialog.getByRole('button', { name: 'Revoke key' }));
  // The refusal is said in the dialog, which stays open.
  expect(await dialog.findByRole('alert')).toHaveTextContent(
    `Could not revoke key ${OLD_KEY_FINGERPRINT}: The key is in AWSCURRENT again and cannot be revoked`,
  );
  expect(requests.map(r => r.action)).toEqual(['traffic', 'revoke']);
  await user.click(dialog.getByRole('button', { name: 'Cancel' }));
  await waitFor(() =>
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
  );
}

async function restoreBringsBackARevokedKey(
  harness: EntityTabHarness,
  server: SetupServer,
) {
  const user = userEvent.setup();
  fakeBackend(server, {
    credentials: [
      [credential({ oldKeys: [revoked] })],
      [credential({ oldKeys: [stillUsed()] })],
    ],
  });
  const requests = answerOwnerActions(server);
  const { toastTitles } = await harness.render({ entity: boundEntity });
  await user.click(
    await (await oldKeyRow()).findByRole('button', { name: RESTORE }),
  );
  await waitFor(() =>
    expect(toastTitles()).toContain(
      `Restored old key ${OLD_KEY_FINGERPRINT} of prod`,
    ),
  );
  expect(requests).toEqual([
    {
      action: 'restore',
      bindingId: 'prod',
      fingerprint: OLD_KEY_FINGERPRINT,
      body: undefined,
    },
  ]);
  await waitFor(async () =>
    expect(
      (await oldKeyRow()).getByTestId(`old-key-state-prod-${OLD_KEY_SHORT}`),
    ).toHaveTextContent('Still used'),
  );
}

async function restoreFailureIsShownInline(
  harness: EntityTabHarness,
  server: SetupServer,
) {
  const user = userEvent.setup();
  fakeBackend(server, { credentials: [[credential({ oldKeys: [revoked] })]] });
  answerOwnerActions(server, {
    restore: () =>
      errorResponse('ConflictError', 'The restore window is over', 409),
  });
  await harness.render({ entity: boundEntity });
  await user.click(
    await (await oldKeyRow()).findByRole('button', { name: RESTORE }),
  );
  expect(await screen.findByTestId('action-notice-prod')).toHaveTextContent(
    `Could not restore key ${OLD_KEY_FINGERPRINT}: The restore window is over`,
  );
}

async function rotateAndRevokeWarnsAndAsksTheBackend(
  harness: EntityTabHarness,
  server: SetupServer,
) {
  const user = userEvent.setup();
  fakeBackend(server, {
    credentials: [[credential()]],
    rotations: {
      'rot-new': [
        rotation({ id: 'rot-new', status: 'succeeded', trigger: 'manual' }),
      ],
    },
  });
  const requests = answerOwnerActions(server);
  const { toastTitles } = await harness.render({ entity: boundEntity });
  const rotate = await screen.findByRole('button', { name: 'Rotate prod' });
  await waitFor(() => expect(rotate).toBeEnabled());

  await user.click(rotate);
  let dialog = within(await screen.findByRole('dialog'));
  const leaked = 'Revoke the current key at once (leaked key)';
  expect(dialog.getByRole('checkbox', { name: leaked })).not.toBeChecked();
  expect(dialog.queryByTestId('revoke-warning-prod')).not.toBeInTheDocument();
  await user.click(dialog.getByRole('checkbox', { name: leaked }));
  expect(dialog.getByTestId('revoke-warning-prod')).toHaveTextContent(
    /current key fp-1a2b3c is revoked in Apigee as soon as the new key is in the secret, with no grace period: every consumer still using it fails at once/,
  );
  expect(screen.getByRole('dialog')).toHaveTextContent(
    /old key is revoked right after, without a grace period/,
  );
  // Cancelled and opened again: back to a plain rotation.
  await user.click(dialog.getByRole('button', { name: 'Cancel' }));
  await waitFor(() =>
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
  );
  await user.click(rotate);
  dialog = within(await screen.findByRole('dialog'));
  expect(dialog.getByRole('checkbox', { name: leaked })).not.toBeChecked();
  expect(requests).toEqual([]);

  await user.click(dialog.getByRole('checkbox', { name: leaked }));
  await user.click(
    dialog.getByRole('button', { name: 'Rotate and revoke now' }),
  );
  await waitFor(() =>
    expect(toastTitles()).toContain('Rotated the prod credential'),
  );
  expect(requests).toEqual([
    {
      action: 'rotate',
      bindingId: 'prod',
      fingerprint: undefined,
      body: { revokeOldKey: true },
    },
  ]);
}

async function pauseNeedsAReasonAndResumes(
  harness: EntityTabHarness,
  server: SetupServer,
) {
  const user = userEvent.setup();
  const reason = 'release freeze until 3 June';
  const paused = credential({
    paused: { by: 'user:default/jane', at: daysFromNow(-2 / 24), reason },
  });
  fakeBackend(server, {
    credentials: [[credential()], [paused], [credential()]],
  });
  const requests = answerOwnerActions(server);
  const { toastTitles } = await harness.render({ entity: boundEntity });

  await user.click(await screen.findByRole('button', { name: PAUSE }));
  const dialog = within(await screen.findByRole('dialog'));
  const confirm = dialog.getByRole('button', { name: 'Pause schedule' });
  expect(confirm).toBeDisabled();
  await user.type(dialog.getByRole('textbox', { name: /Reason/ }), '   ');
  // Blanks are no reason.
  expect(confirm).toBeDisabled();
  await user.type(dialog.getByRole('textbox', { name: /Reason/ }), reason);
  await user.click(confirm);
  await waitFor(() =>
    expect(toastTitles()).toContain('Paused scheduled rotation of prod'),
  );
  expect(requests).toEqual([
    { action: 'pause', bindingId: 'prod', body: { reason } },
  ]);

  // The row says so, with who and why, and the next rotation is a chip.
  expect(await screen.findByTestId('paused-prod')).toHaveTextContent(
    /Scheduled rotation paused by jane 2 hours ago: release freeze until 3 June\./,
  );
  expect(screen.getByTestId('paused-chip-prod')).toHaveTextContent('Paused');
  await user.click(screen.getByRole('button', { name: RESUME }));
  await waitFor(() =>
    expect(toastTitles()).toContain('Resumed scheduled rotation of prod'),
  );
  expect(requests.map(r => r.action)).toEqual(['pause', 'resume']);
  await waitFor(() =>
    expect(screen.queryByTestId('paused-prod')).not.toBeInTheDocument(),
  );
  expect(screen.getByRole('button', { name: PAUSE })).toBeInTheDocument();
}

async function ownerActionsAreHiddenWithoutPermission(
  harness: EntityTabHarness,
  server: SetupServer,
) {
  fakeBackend(server, {
    credentials: [
      [
        credential({
          oldKeys: [stillUsed(), { ...revoked, keyFingerprint: 'sha256:ffff' }],
          paused: {
            by: 'user:default/jane',
            at: daysFromNow(-1),
            reason: 'freeze',
          },
        }),
      ],
    ],
  });
  await harness.render({ entity: lockedEntity, rotateAllowed: false });
  // Once the denial is in, the old keys and the pause are shown, without their actions.
  expect(await screen.findByTestId('rotate-denied-note')).toBeInTheDocument();
  expect(screen.getByTestId('old-keys-prod')).toHaveTextContent('Still used');
  expect(screen.getByTestId('paused-prod')).toHaveTextContent('freeze');
  for (const name of [
    /^Revoke now: old key/,
    /^Restore old key/,
    PAUSE,
    RESUME,
  ]) {
    expect(screen.queryByRole('button', { name })).not.toBeInTheDocument();
  }
  expect(
    within(screen.getByTestId('old-keys-prod')).queryByRole('columnheader', {
      name: 'Actions',
    }),
  ).not.toBeInTheDocument();
}

async function currentKeyTrafficAndRetirementByTime(
  harness: EntityTabHarness,
  server: SetupServer,
) {
  fakeBackend(server, {
    credentials: [
      [
        credential({
          retireOldKeys: 'time',
          currentKeyFirstUsedAt: minutesFromNow(-120),
          oldKeys: [
            oldKey({ graceEndsAt: daysFromNow(1), deadlineAt: undefined }),
          ],
        }),
      ],
    ],
  });
  await harness.render({ entity: boundEntity });
  expect(
    await screen.findByTestId('current-key-first-used-prod'),
  ).toHaveTextContent(
    /^Current key: first traffic seen at .+ \(2 hours ago\)\.$/,
  );
  expect(screen.getByTestId('retired-by-time-prod')).toHaveTextContent(
    /retired by time: each is deleted when its grace period ends/,
  );
  const row = await oldKeyRow();
  expect(row.getByText(/then it is deleted\.$/)).toBeInTheDocument();
  expect(row.getAllByRole('cell')[2]).toHaveTextContent(
    'deleted when its grace period ends',
  );
}

/** The old keys, the owner actions on them, rotate-and-revoke and pause/resume. */
export const OLD_KEY_SCENARIOS: EntityTabScenario[] = [
  ...OLD_KEY_CASES.map(oldKeyStateScenario),
  [
    'shows the traffic of an old key before revoking it, and revokes only once ticked',
    revokeShowsTrafficThenAsks,
  ],
  [
    'says why there are no figures when analytics is down, and shows a refused revocation in the dialog',
    revokeWithoutAnalyticsSaysWhyAndShowsRefusal,
  ],
  [
    'restores a revoked old key, toasts and refreshes the row',
    restoreBringsBackARevokedKey,
  ],
  ['shows a failed restore inline', restoreFailureIsShownInline],
  [
    'rotates and revokes a leaked key after a warning, never by default',
    rotateAndRevokeWarnsAndAsksTheBackend,
  ],
  [
    'pauses scheduled rotation with a reason, shows who paused it and why, and resumes',
    pauseNeedsAReasonAndResumes,
  ],
  [
    'hides revoke, restore, pause and resume from users who may not rotate',
    ownerActionsAreHiddenWithoutPermission,
  ],
  [
    'says when the current key was first used, and that old keys are retired by time',
    currentKeyTrafficAndRetirementByTime,
  ],
];
