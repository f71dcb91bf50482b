import { createHash } from 'node:crypto';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import {
  formatBindingAnnotation,
  ProvisionRequest,
} from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { z } from 'zod';

// Printable and path-safe: the id ends up in database keys and log lines.
const REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9:._@/+=-]{0,254}$/;
const API_PRODUCT = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,254}$/;
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
// AWS tag rules: keys 1-128 and values 0-256 of letters, digits, spaces and _.:/=+-@.
const TAG_KEY = /^[\p{L}\p{N}\s_.:/=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{N}\s_.:/=+\-@]{0,256}$/u;

const secretToCreate = z
  .object({
    name: z.string().regex(SECRET_NAME, 'letters, digits and /_+=.@- only'),
    accountId: z.string().regex(ACCOUNT_ID, 'a 12-digit AWS account id'),
    region: z.string().regex(REGION, 'an AWS Region such as eu-west-1'),
    kmsKeyId: z.string().min(1).max(2048).optional(),
    tags: z
      .record(
        z
          .string()
          .regex(TAG_KEY, 'a tag key of letters, digits, spaces and _.:/=+-@'),
        z
          .string()
          .regex(
            TAG_VALUE,
            'a tag value of letters, digits, spaces and _.:/=+-@',
          ),
      )
      .refine(tags => Object.keys(tags).length <= 40, 'at most 40 tags')
      .optional(),
    description: z.string().max(2048).optional(),
  })
  .strict();
const secretToFill = z
  .object({ arn: z.string().startsWith('arn:', 'a Secrets Manager ARN') })
  .strict();

const requestSchema = z
  .object({
    requestId: z
      .string()
      .regex(REQUEST_ID, 'up to 255 letters, digits and :._@/+=-'),
    provider: z.string().min(1),
    developer: z.string().min(1),
    app: z.string().min(1),
    apiProducts: z
      .array(z.string().regex(API_PRODUCT, 'an API product name'))
      .min(1, 'at least one API product')
      .max(50)
      .refine(p => new Set(p).size === p.length, 'no duplicates'),
    environment: z.string().min(1),
    // Checked below with the schema its shape asks for, so errors name the real field.
    secret: z.record(z.string(), z.unknown()),
    owner: z.string().min(1),
    policy: z
      .object({
        maxAge: z.string().optional(),
        gracePeriod: z.string().optional(),
        window: z.string().optional(),
      })
      .strict()
      .optional(),
    dryRun: z.boolean().optional(),
  })
  .strict();

/** A provision request that passed validation, with what follows from it. */
export interface ValidProvisionRequest extends ProvisionRequest {
  /** `owner` as a full entity ref, e.g. `group:default/team-orders`. */
  owner: string;
  /** The annotation that binds the new component (validated by the binding parser). */
  annotation: { key: string; value: string };
  /** sha256 of everything but `requestId` and `dryRun`: a reused id must mean the same thing. */
  hash: string;
}

/**
 * Checks a provision request field by field and builds its binding annotation, so that a
 * request that could only produce a `misconfigured` component is refused before any change.
 */
export function validateProvisionRequest(body: unknown): ValidProvisionRequest {
  const parsed = requestSchema.safeParse(body);
  const rawSecret = (body as { secret?: unknown } | null)?.secret;
  const secret =
    rawSecret && typeof rawSecret === 'object'
      ? ('arn' in rawSecret ? secretToFill : secretToCreate).safeParse(
          rawSecret,
        )
      : undefined;
  // Every bad field at once, the secret's included.
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues).filter(
      i => i.path[0] !== 'secret' || !secret,
    ),
    ...(secret && !secret.success
      ? secret.error.issues.map(i => ({ ...i, path: ['secret', ...i.path] }))
      : []),
  ];
  if (problems.length > 0 || !parsed.success || !secret?.success) {
    throw new InputError(
      `Invalid provision request: ${problems
        .map(i => `${i.path.join('.') || 'body'}: ${i.message}`)
        .join('; ')}`,
    );
  }
  const request = { ...parsed.data, secret: secret.data };
  const owner = ownerRef(request.owner);
  let annotation: { key: string; value: string };
  try {
    const formatted = formatBindingAnnotation(request.environment, {
      provider: request.provider,
      developer: request.developer,
      app: request.app,
      secret: request.secret,
      ...request.policy,
    });
    annotation = { key: formatted.key, value: formatted.value };
  } catch (error) {
    throw new InputError(
      `Invalid provision request: ${(error as Error).message}`,
    );
  }
  const { requestId, dryRun, ...meaning } = request;
  const hash = createHash('sha256')
    .update(JSON.stringify(canonical({ ...meaning, owner })))
    .digest('hex');
  return { ...request, owner, annotation, hash };
}

const ENTITY_NAME = /^[A-Za-z0-9]([-_.]?[A-Za-z0-9])*$/;

/** The owner as a full ref; only a group or a user can own the new component. */
function ownerRef(owner: string): string {
  let ref;
  try {
    ref = parseEntityRef(owner, { defaultKind: 'group' });
  } catch (error) {
    throw new InputError(
      `Invalid provision request: owner: ${(error as Error).message}`,
    );
  }
  const kind = ref.kind.toLocaleLowerCase('en-US');
  if (
    (kind !== 'group' && kind !== 'user') ||
    !ENTITY_NAME.test(ref.name) ||
    ref.name.length > 63 ||
    !ENTITY_NAME.test(ref.namespace)
  ) {
    throw new InputError(
      `Invalid provision request: owner: ${JSON.stringify(
        owner,
      )} is not a group or user reference such as group:default/team-orders`,
    );
  }
  return stringifyEntityRef({ ...ref, kind });
}

/** The same value with object keys sorted, so that key order does not change the hash. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map(key => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}
