import { randomUUID } from 'node:crypto';
import express, { NextFunction, Request, Response } from 'express';
import { FaultDecision, FaultInjector, applyFault } from '../faults';
import { SecretsManagerError } from './errors';
import { resolveCaller } from './identity';
import { operations } from './operations';
import { RequestReader } from './requestReader';
import { SecretsManagerStore } from './store';

const TARGET_PREFIX = 'secretsmanager.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';

/**
 * Serves the AWS Secrets Manager JSON 1.1 protocol: `POST /` with
 * `X-Amz-Target: secretsmanager.<Operation>`. Requests with another target are passed on
 * (`next()`), so other emulations can share `/`.
 */
export function createSecretsManagerRouter({
  store,
  faults,
}: {
  store: SecretsManagerStore;
  faults: FaultInjector;
}): express.Router {
  const router = express.Router();

  router.post(
    '/',
    (req, _res, next) => {
      const target = req.header('x-amz-target');
      next(target?.startsWith(TARGET_PREFIX) ? undefined : 'router');
    },
    express.json({ type: CONTENT_TYPE, limit: '1mb', strict: true }),
    async (req, res) => {
      const operation = req.header('x-amz-target')!.slice(TARGET_PREFIX.length);
      try {
        if (!req.is(CONTENT_TYPE)) {
          throw new SecretsManagerError(
            'SerializationException',
            `Content-Type must be ${CONTENT_TYPE}.`,
          );
        }
        const handler = Object.hasOwn(operations, operation)
          ? operations[operation]
          : undefined;
        if (!handler) {
          throw new SecretsManagerError(
            'UnknownOperationException',
            `The Secrets Manager sandbox does not support the operation ${operation}.`,
          );
        }
        const body: unknown = req.body;
        if (typeof body !== 'object' || body === null || Array.isArray(body)) {
          throw new SecretsManagerError(
            'SerializationException',
            'The request body must be a JSON object.',
          );
        }
        const caller = resolveCaller(
          req.headers as Record<string, string | undefined>,
          accessKeyId => store.accountForAccessKey(accessKeyId),
          operation,
        );
        const decision = await faults.onCall(
          'secretsmanager',
          operation,
          req.path,
        );
        const render = (r: Response, d: FaultDecision) =>
          sendError(r, faultError(d));
        if (applyFault(req, res, decision, render)) return;
        const result = handler(
          store,
          caller,
          new RequestReader(body as Record<string, unknown>),
        );
        send(res, 200, result);
      } catch (error) {
        sendError(res, error);
      }
    },
  );

  // Body-parser failures: malformed JSON, oversized bodies, bad encodings.
  router.use(
    (error: unknown, _req: Request, res: Response, next: NextFunction) => {
      const type = (error as { type?: string } | undefined)?.type;
      if (type === 'entity.too.large') {
        sendError(
          res,
          new SecretsManagerError(
            'RequestEntityTooLargeException',
            'Request body is larger than 1 MB.',
            413,
          ),
        );
      } else if (
        typeof type === 'string' &&
        (type.startsWith('entity.') || type.endsWith('.unsupported'))
      ) {
        sendError(
          res,
          new SecretsManagerError(
            'SerializationException',
            'The request body is not valid JSON.',
          ),
        );
      } else {
        next(error);
      }
    },
  );

  return router;
}

/** How an injected fault looks on the wire (AWS JSON protocol). */
function faultError(decision: FaultDecision): SecretsManagerError {
  switch (decision.error) {
    case 'throttling':
      return new SecretsManagerError('ThrottlingException', 'Rate exceeded');
    case 'too-many-requests':
      return new SecretsManagerError(
        'TooManyRequestsException',
        'Too Many Requests',
        429,
      );
    default:
      return decision.status === 500
        ? new SecretsManagerError(
            'InternalServiceError',
            'An internal error occurred.',
            500,
          )
        : new SecretsManagerError(
            'ServiceUnavailable',
            'The service is unavailable. Try again later.',
            decision.status,
          );
  }
}

function send(res: Response, status: number, body: unknown): void {
  res
    .status(status)
    .set('Content-Type', CONTENT_TYPE)
    .set('x-amzn-RequestId', randomUUID())
    .send(JSON.stringify(body, epochSeconds));
}

function sendError(res: Response, error: unknown): void {
  const smError =
    error instanceof SecretsManagerError
      ? error
      : new SecretsManagerError(
          'InternalServiceError',
          `The Secrets Manager sandbox failed: ${
            error instanceof Error ? error.message : String(error)
          }`,
        );
  res.set('x-amzn-ErrorType', smError.type);
  send(res, smError.status, { __type: smError.type, Message: smError.message });
}

/** JSON replacer: Dates become epoch seconds, fractional to the millisecond. */
function epochSeconds(
  this: Record<string, unknown>,
  key: string,
  value: unknown,
): unknown {
  const original = this[key];
  return original instanceof Date ? original.getTime() / 1000 : value;
}
