import { HttpResponse } from 'msw';
import type { SetupServer } from 'msw/node';
import type {
  CredentialSummary,
  Page,
  RotationSummary,
} from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { daysFromNow, oldKey, stillUsedTraffic } from './fixtures';
import { http } from '@keyrotation/apigee-credentials-contract';

const BASE = '*/api/apigee-credentials/v1';
/** The credentials of any entity (tests tell entities apart by their fixtures). */
export const CREDENTIALS_URL = `${BASE}/entities/:namespace/:kind/:name/credentials`;

/** The error body Backstage backends send. */
export function errorBody(name: string, message: string, statusCode: number) {
  return {
    error: { name, message },
    request: { method: 'POST', url: '/rotate' },
    response: { statusCode },
  };
}

/**
 * A fake Apigee credentials backend on msw. Answers with what the test gives it, and
 * records how often the credentials were fetched.
 */
export function fakeBackend(
  server: SetupServer,
  options: {
    /** Successive answers of the credentials endpoint; the last one repeats. */
    credentials: CredentialSummary[][];
    rotations?: Record<string, RotationSummary[]>;
    history?: Page<RotationSummary>[];
  },
) {
  const calls = { credentials: 0, rotate: 0 };
  const rotationPolls: Record<string, number> = {};
  server.use(
    http.get(CREDENTIALS_URL, () => {
      const answer =
        options.credentials[
          Math.min(calls.credentials, options.credentials.length - 1)
        ];
      calls.credentials += 1;
      return HttpResponse.json({ items: answer });
    }),
    http.get(`${BASE}/rotations/:id`, ({ params }) => {
      const id = params.id as string;
      const states = options.rotations?.[id];
      if (!states) {
        return HttpResponse.json(
          errorBody('NotFoundError', `no rotation ${id}`, 404),
          {
            status: 404,
          },
        );
      }
      const polls = rotationPolls[id] ?? 0;
      rotationPolls[id] = polls + 1;
      return HttpResponse.json(states[Math.min(polls, states.length - 1)]);
    }),
    http.get(`${CREDENTIALS_URL}/:bindingId/history`, ({ request }) => {
      const cursor = new URL(request.url).searchParams.get('cursor');
      const pages = options.history ?? [{ items: [] }];
      const index = cursor ? Number(cursor) : 0;
      return HttpResponse.json(pages[index]);
    }),
  );
  return calls;
}

/** An owner action the fake backend received. */
export interface OwnerActionRequest {
  action: 'traffic' | 'revoke' | 'restore' | 'pause' | 'resume' | 'rotate';
  bindingId: string;
  /** The old key's fingerprint, decoded, for old-key actions. */
  fingerprint?: string;
  /** The JSON body, if any. */
  body?: unknown;
}

type Answer = () => Response | Promise<Response>;

/** A Backstage error response. */
export function errorResponse(name: string, message: string, status: number) {
  return HttpResponse.json(errorBody(name, message, status), { status });
}

async function jsonBody(request: Request): Promise<unknown> {
  const text = await request.text();
  return text ? JSON.parse(text) : undefined;
}

/**
 * Answers the owner actions (old-key traffic, revoke, restore, pause, resume, rotate) with
 * what the test gives, or a plausible success; returns the requests, in order, with their
 * bodies, so that a test can check what was asked and that nothing was asked too early.
 */
export function answerOwnerActions(
  server: SetupServer,
  answers: Partial<Record<OwnerActionRequest['action'], Answer>> = {},
): OwnerActionRequest[] {
  const requests: OwnerActionRequest[] = [];
  const defaults: Record<OwnerActionRequest['action'], Answer> = {
    traffic: () => HttpResponse.json(stillUsedTraffic()),
    revoke: () =>
      HttpResponse.json(
        oldKey({
          state: 'revoked',
          revokedAt: daysFromNow(0),
          revokedBy: 'user:default/guest',
          restorableUntil: daysFromNow(3),
        }),
      ),
    restore: () =>
      HttpResponse.json(
        oldKey({ state: 'in-use', deadlineAt: daysFromNow(7) }),
      ),
    pause: () =>
      HttpResponse.json({
        by: 'user:default/guest',
        at: daysFromNow(0),
        reason: 'paused',
      }),
    resume: () => new HttpResponse(null, { status: 204 }),
    rotate: () => HttpResponse.json({ id: 'rot-new' }, { status: 202 }),
  };
  const handle =
    (action: OwnerActionRequest['action']) =>
    async ({
      request,
      params,
    }: {
      request: Request;
      params: Record<string, string | readonly string[] | undefined>;
    }) => {
      requests.push({
        action,
        bindingId: String(params.bindingId),
        fingerprint:
          params.fingerprint === undefined
            ? undefined
            : decodeURIComponent(String(params.fingerprint)),
        body: request.method === 'POST' ? await jsonBody(request) : undefined,
      });
      return (answers[action] ?? defaults[action])();
    };
  const oldKeyUrl = `${CREDENTIALS_URL}/:bindingId/old-keys/:fingerprint`;
  server.use(
    http.get(`${oldKeyUrl}/traffic`, handle('traffic')),
    http.post(`${oldKeyUrl}/revoke`, handle('revoke')),
    http.post(`${oldKeyUrl}/restore`, handle('restore')),
    http.post(`${CREDENTIALS_URL}/:bindingId/pause`, handle('pause')),
    http.post(`${CREDENTIALS_URL}/:bindingId/resume`, handle('resume')),
    http.post(`${CREDENTIALS_URL}/:bindingId/rotate`, handle('rotate')),
  );
  return requests;
}
