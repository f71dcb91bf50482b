import { Router } from 'express';
import { ApigeeAuth } from './auth';
import { apigeeErrors } from './errors';
import {
  ManagementRouterOptions,
  createManagementRouter,
} from './managementRouter';

/**
 * Apigee X / hybrid management API: bearer auth only, int64 fields as strings,
 * `expiresInSeconds` on key import, google.rpc error bodies, lowercase developer e-mail.
 */
export function createXRouter(
  options: ManagementRouterOptions & { auth: ApigeeAuth },
): Router {
  return createManagementRouter(
    {
      dialect: 'x',
      authenticate: (req, org) =>
        options.auth.authenticateX(req.headers.authorization, org),
      importedKeyExpiry: (body, nowMs) =>
        expiryFromSeconds(body.expiresInSeconds, nowMs),
      keyCreatedStatus: 200,
      createdStatus: 200,
      acceptsPostKeys: true,
      replyToKeyProductAction: res => {
        res.status(200).json({}); // google.protobuf.Empty
      },
      putKeyFields: ['scopes'],
    },
    options,
  );
}

/** X's `expiresInSeconds` (int64, may be a string); absent or -1 means never. */
function expiryFromSeconds(value: unknown, nowMs: number): number {
  if (value === undefined || value === null || value === '') return -1;
  const seconds = typeof value === 'string' ? Number(value) : value;
  if (
    typeof seconds !== 'number' ||
    !Number.isInteger(seconds) ||
    (seconds < 1 && seconds !== -1)
  ) {
    throw apigeeErrors.invalidRequest(
      'expiresInSeconds must be a positive integer or -1',
      'expiresInSeconds',
    );
  }
  return seconds === -1 ? -1 : nowMs + seconds * 1000;
}
