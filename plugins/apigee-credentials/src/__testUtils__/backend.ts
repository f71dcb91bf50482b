import { http, HttpResponse } from 'msw';
import type { SetupServer } from 'msw/node';
import type {
  CredentialSummary,
  Page,
  RotationSummary,
} from '@keyrotation/backstage-plugin-apigee-credentials-common';

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
