/** google.rpc canonical codes used by the Apigee X error bodies. */
export type RpcStatus =
  | 'INVALID_ARGUMENT'
  | 'FAILED_PRECONDITION'
  | 'NOT_FOUND'
  | 'ABORTED'
  | 'ALREADY_EXISTS'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'RESOURCE_EXHAUSTED'
  | 'UNAVAILABLE'
  | 'DEADLINE_EXCEEDED'
  | 'INTERNAL';

export interface ApigeeErrorSpec {
  /** HTTP status on Edge (and on X unless `xHttpStatus` says otherwise). */
  httpStatus: number;
  /** Edge-style dotted code; on X it becomes the PreconditionFailure violation type. */
  code: string;
  message: string;
  rpcStatus: RpcStatus;
  /** HTTP status on X when it differs from Edge (e.g. Edge's 500 for a product not on a key). */
  xHttpStatus?: number;
  /** Resource the error is about, reported as the violation subject on X. */
  subject?: string;
}

/**
 * A management-API error, independent of dialect. Routers render it as an Edge body
 * (`{code,message,contexts}`) or a google.rpc body (X).
 */
export class ApigeeError extends Error {
  readonly spec: ApigeeErrorSpec;

  constructor(spec: ApigeeErrorSpec) {
    super(spec.message);
    this.name = 'ApigeeError';
    this.spec = spec;
  }
}

/**
 * The error catalogue. Codes and messages marked "Documented" are Apigee's own (see
 * docs/apigee-and-aws-facts.md); the others are sandbox choices in the same style, listed as
 * such in the README.
 */
export const apigeeErrors = {
  /** Documented on Edge and X. */
  consumerKeyExists: () =>
    new ApigeeError({
      httpStatus: 409,
      code: 'keymanagement.service.ConsumerKeyAlreadyExists',
      message: 'ConsumerKey already exists',
      rpcStatus: 'ABORTED',
    }),
  /** Documented on Edge and X. */
  appNotFound: (app: string, developer: string) =>
    new ApigeeError({
      httpStatus: 404,
      code: 'developer.service.AppDoesNotExist',
      message: `App named ${app} does not exist under ${developer}`,
      rpcStatus: 'NOT_FOUND',
      subject: app,
    }),
  /** Documented on Edge. */
  developerNotFound: (developer: string, org: string) =>
    new ApigeeError({
      httpStatus: 404,
      code: 'developer.service.DeveloperIdDoesNotExist',
      message: `DeveloperId ${developer} does not exist in organization ${org}`,
      rpcStatus: 'NOT_FOUND',
      subject: developer,
    }),
  /** Documented on Edge; X assumed alike. */
  keyNotFound: () =>
    new ApigeeError({
      httpStatus: 404,
      code: 'keymanagement.service.InvalidClientIdForGivenApp',
      message: 'Invalid consumer key for Given App',
      rpcStatus: 'NOT_FOUND',
    }),
  /** Edge answers 500 (sic); X answers 400 FAILED_PRECONDITION (sandbox choice). */
  productNotOnKey: (product: string) =>
    new ApigeeError({
      httpStatus: 500,
      xHttpStatus: 400,
      code: 'keymanagement.service.ApiProductNotAssociatedWithConsumerKey',
      message: 'APIProduct is not associated with consumer key',
      rpcStatus: 'FAILED_PRECONDITION',
      subject: product,
    }),
  keyProductNotFound: (product: string) =>
    new ApigeeError({
      httpStatus: 404,
      code: 'keymanagement.service.ApiProductNotAssociatedWithConsumerKey',
      message: `API product ${product} is not associated with consumer key`,
      rpcStatus: 'NOT_FOUND',
      subject: product,
    }),
  /** Edge's documented message; the code is a sandbox choice. */
  appExists: (app: string) =>
    new ApigeeError({
      httpStatus: 409,
      code: 'developer.service.AppAlreadyExists',
      message: `App with name ${app} already exists`,
      rpcStatus: 'ALREADY_EXISTS',
      subject: app,
    }),
  developerExists: (email: string) =>
    new ApigeeError({
      httpStatus: 409,
      code: 'developer.service.DeveloperAlreadyExists',
      message: `Developer with email ${email} already exists`,
      rpcStatus: 'ALREADY_EXISTS',
      subject: email,
    }),
  organizationNotFound: (org: string) =>
    new ApigeeError({
      httpStatus: 404,
      code: 'organizations.OrganizationDoesNotExist',
      message: `Organization ${org} does not exist`,
      rpcStatus: 'NOT_FOUND',
      subject: org,
    }),
  productNotFound: (product: string, org: string) =>
    new ApigeeError({
      httpStatus: 400,
      code: 'keymanagement.service.apiproduct_doesnot_exist',
      message: `API Product [${product}] does not exist for tenant [${org}]`,
      rpcStatus: 'INVALID_ARGUMENT',
      subject: product,
    }),
  /** Apigee documents no cap; here it is configurable per organisation. */
  tooManyKeys: (app: string, max: number) =>
    new ApigeeError({
      httpStatus: 400,
      code: 'keymanagement.service.TooManyConsumerKeys',
      message: `App ${app} already has the maximum of ${max} keys`,
      rpcStatus: 'FAILED_PRECONDITION',
      subject: app,
    }),
  invalidRequest: (message: string, subject?: string) =>
    new ApigeeError({
      httpStatus: 400,
      code: 'keymanagement.service.InvalidRequest',
      message,
      rpcStatus: 'INVALID_ARGUMENT',
      subject,
    }),
  /** Sandbox choice: Apigee documents no code for a bad analytics query. */
  invalidStatsQuery: (message: string, subject?: string) =>
    new ApigeeError({
      httpStatus: 400,
      code: 'analytics.service.InvalidQuery',
      message,
      rpcStatus: 'INVALID_ARGUMENT',
      subject,
    }),
  /** Sandbox choice, in the style of Edge's environment-scoped `messaging.config.beans.*` codes. */
  environmentNotFound: (environment: string, org: string) =>
    new ApigeeError({
      httpStatus: 404,
      code: 'messaging.config.beans.EnvironmentDoesNotExist',
      message: `Environment ${environment} does not exist in organization ${org}`,
      rpcStatus: 'NOT_FOUND',
      subject: environment,
    }),
  unauthenticated: (message: string) =>
    new ApigeeError({
      httpStatus: 401,
      code: 'security.Unauthorized',
      message,
      rpcStatus: 'UNAUTHENTICATED',
    }),
  permissionDenied: (message: string) =>
    new ApigeeError({
      httpStatus: 403,
      code: 'security.PermissionDenied',
      message,
      rpcStatus: 'PERMISSION_DENIED',
    }),
  unsupported: (method: string, path: string) =>
    new ApigeeError({
      httpStatus: 404,
      code: 'sandbox.UnsupportedOperation',
      message: `The sandbox does not emulate ${method} ${path}`,
      rpcStatus: 'NOT_FOUND',
    }),
  internal: () =>
    new ApigeeError({
      httpStatus: 500,
      code: 'messaging.runtime.UnknownError',
      message: 'The sandbox failed to handle the request',
      rpcStatus: 'INTERNAL',
    }),
};
