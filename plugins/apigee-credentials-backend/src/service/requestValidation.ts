import { InputError } from '@backstage/errors';
import express, { ErrorRequestHandler, RequestHandler } from 'express';
import { UnsupportedMediaTypeError } from './errors';

/*
 * What runs around the spec's request validator: body parsing and media type checks, which
 * answer 413 and 415 and so must run before it (it turns every error it sees into a 400), and
 * the wording of its refusals.
 */

/** JSON bodies up to 16 kB; a larger one is answered 413. */
export const jsonBody: RequestHandler = express.json({ limit: '16kb' });

/**
 * express.json() passes other content types through unparsed; refuse them rather than act
 * on a request whose body was silently ignored.
 */
export const refuseNonJsonBodies: RequestHandler = (req, _res, next) => {
  const hasBody =
    req.headers['transfer-encoding'] !== undefined ||
    Number(req.headers['content-length'] ?? 0) > 0;
  if (hasBody && !req.is('application/json')) {
    next(
      new UnsupportedMediaTypeError(
        `Unsupported content type ${
          req.headers['content-type'] ?? '(none)'
        }: send no body, or a JSON one`,
      ),
    );
    return;
  }
  next();
};

/**
 * Words the validator's refusal for the caller, e.g. `Invalid request: invalid binding id:
 * bindingId must match pattern "…"`. Mounted right after the validator, before any route,
 * so the validator's errors are the only ones it sees.
 */
export const describeInvalidRequest: ErrorRequestHandler = (
  error,
  req,
  _res,
  next,
) => {
  next(
    new InputError(`Invalid request: ${describe(String(error.message), req)}`),
  );
};

function describe(message: string, req: express.Request): string {
  // Ajv's wording: `request/params/bindingId must match pattern "…"`.
  const located = /^request\/(params|query|body)((?:\/\S+)?) ([^]*)$/.exec(
    message,
  );
  if (!located) {
    // The validator asks for a JSON body when a request that needs one came without.
    if (message.startsWith('unsupported media type')) {
      return 'send a JSON body';
    }
    // `Unknown query parameter 'x'`, `Empty value found for query parameter 'x'`.
    return message.charAt(0).toLocaleLowerCase('en-US') + message.slice(1);
  }
  const [, where, path, problem] = located;
  const segments = path.split('/').filter(Boolean);
  const field = segments.filter(s => !/^\d+$/.test(s)).pop();
  const subject =
    where === 'body' || !field
      ? where
      : field.replace(/[A-Z]/g, c => ` ${c.toLocaleLowerCase('en-US')}`);
  const text = [segments.join('.'), problem].filter(Boolean).join(' ');
  return `invalid ${subject}: ${text}${unknownFields(problem, req)}`;
}

/** Ajv does not name an unknown property; the caller needs to know which one it was. */
function unknownFields(problem: string, req: express.Request): string {
  if (!problem.includes('must NOT have additional properties')) return '';
  const schema = (req as { openapi?: { schema?: any } }).openapi?.schema
    ?.requestBody?.content?.['application/json']?.schema;
  const known = Object.keys(schema?.properties ?? {});
  const unknown = Object.keys(req.body ?? {}).filter(k => !known.includes(k));
  return unknown.length > 0 ? ` (${unknown.join(', ')})` : '';
}
