import { randomUUID } from 'node:crypto';
import { Response } from 'express';
import { FaultDecision } from '../faults';
import { ApigeeError, RpcStatus } from './errors';
import { ApigeeDialect } from './types';

/** Edge management error body `{code, message, contexts}`. */
export function renderEdgeError(res: Response, error: ApigeeError): void {
  const { httpStatus, code, message } = error.spec;
  if (httpStatus === 401)
    res.set('WWW-Authenticate', 'Basic realm="apigee-sandbox"');
  res.status(httpStatus).json({ code, message, contexts: [] });
}

/**
 * Apigee X's google.rpc.Status body. The Edge-style code travels as the PreconditionFailure
 * violation type, which is where Apigee clients look for it.
 */
export function renderXError(res: Response, error: ApigeeError): void {
  const { httpStatus, xHttpStatus, code, message, rpcStatus, subject } =
    error.spec;
  const status = xHttpStatus ?? httpStatus;
  if (status === 401)
    res.set('WWW-Authenticate', 'Bearer realm="apigee-sandbox"');
  res.status(status).json({
    error: {
      code: status,
      message,
      status: rpcStatus,
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.PreconditionFailure',
          violations: [
            { type: code, subject: subject ?? '', description: message },
          ],
        },
        {
          '@type': 'type.googleapis.com/google.rpc.RequestInfo',
          requestId: randomUUID(),
        },
      ],
    },
  });
}

export function renderApigeeError(
  dialect: ApigeeDialect,
  res: Response,
  error: ApigeeError,
): void {
  if (dialect === 'x') renderXError(res, error);
  else renderEdgeError(res, error);
}

const EDGE_SERVER_ERRORS: Record<number, [string, string]> = {
  500: ['messaging.runtime.UnknownError', 'Unexpected error occurred'],
  502: ['messaging.adaptors.http.flow.BadGateway', 'Bad Gateway'],
  503: [
    'messaging.adaptors.http.flow.ServiceUnavailable',
    'The Service is temporarily unavailable',
  ],
  504: ['messaging.adaptors.http.flow.GatewayTimeout', 'Gateway Timeout'],
};

const X_SERVER_ERRORS: Record<number, [RpcStatus, string]> = {
  500: ['INTERNAL', 'Internal error encountered.'],
  502: ['UNAVAILABLE', 'The service is currently unavailable.'],
  503: ['UNAVAILABLE', 'The service is currently unavailable.'],
  504: ['DEADLINE_EXCEEDED', 'The request deadline was exceeded.'],
};

/** Renders an injected fault as the management API of the given dialect would fail. */
export function renderApigeeFault(
  dialect: ApigeeDialect,
  res: Response,
  decision: FaultDecision,
): void {
  if (
    decision.error === 'too-many-requests' ||
    decision.error === 'throttling'
  ) {
    res.set('Retry-After', '1');
    renderApigeeError(
      dialect,
      res,
      new ApigeeError({
        httpStatus: 429,
        code: 'messaging.adaptors.http.flow.TooManyRequests',
        message:
          dialect === 'x'
            ? 'Quota exceeded for Apigee API requests per minute per organization.'
            : 'Too many requests',
        rpcStatus: 'RESOURCE_EXHAUSTED',
      }),
    );
    return;
  }
  const status = decision.status;
  const [edgeCode, edgeMessage] =
    EDGE_SERVER_ERRORS[status] ?? EDGE_SERVER_ERRORS[503];
  const [rpcStatus, xMessage] = X_SERVER_ERRORS[status] ?? X_SERVER_ERRORS[503];
  renderApigeeError(
    dialect,
    res,
    new ApigeeError({
      httpStatus: status,
      code: edgeCode,
      message: dialect === 'x' ? xMessage : edgeMessage,
      rpcStatus,
    }),
  );
}
