/*
 * Fake replies of the apigee-credentials backend, checked against its OpenAPI document
 * (plugins/apigee-credentials-backend/src/schema/openapi.yaml), the one contract of its
 * REST API.
 *
 * `http.get`, `http.post` (...) here are msw's, with two checks around the test's resolver:
 * the request must be a documented operation (path, path and query parameters, JSON body),
 * and the reply must be one of the operation's documented responses, its body matching the
 * response's schema. A mismatch fails the test, naming the operation, the status and what
 * does not match: a field renamed or retyped in the document breaks the tests that fake it.
 * The code under test gets an msw error (500) instead of the mismatched reply, and the test
 * fails after it too, in case that error was swallowed.
 *
 * A test that sends or answers something off the document on purpose (a misbehaving
 * backend, a proxy's error page, an identifier that needs encoding) says so and why:
 * `offTheDocument(reply, why)` or `{ requestOffTheDocument: why }`; the mark must be needed.
 *
 * It lives in this private workspace package so that the frontend plugin, the node client
 * and the scaffolder module share it as a devDependency without publishing it.
 */
// Tests run on Node, also the frontend's: the document is read from the backend package.
import { readFileSync } from 'node:fs';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
// The one place that uses msw's own `http` (the plugins' .eslintrc.js forbid it in tests).
import { http as mswHttp } from 'msw';
import type {
  HttpResponseResolver,
  PathParams,
  RequestHandlerOptions,
} from 'msw';
import { parse as parseYaml } from 'yaml';

/** Where the backend plugin is mounted; the document's paths are relative to it. */
const MOUNT_POINT = '/api/apigee-credentials';
// A test helper, never built: its source sits in the repository beside the backend plugin.
// eslint-disable-next-line no-restricted-syntax
const DOCUMENT_FILE = `${__dirname}/../../../plugins/apigee-credentials-backend/src/schema/openapi.yaml`;
const DOCUMENT_ID = 'openapi.yaml';

type SchemaObject = Record<string, unknown>;
type Reference = { $ref: string };

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  style?: string;
  explode?: boolean;
  schema?: SchemaObject;
}

interface MediaTypes {
  content?: Record<string, { schema?: SchemaObject }>;
}

interface Operation {
  operationId?: string;
  parameters?: Array<Parameter | Reference>;
  requestBody?: (MediaTypes & { required?: boolean }) | Reference;
  responses: Record<string, MediaTypes | Reference>;
}

type PathItem = Record<string, Operation> & {
  parameters?: Array<Parameter | Reference>;
};

interface Document {
  paths: Record<string, PathItem>;
  components: Record<string, Record<string, unknown>>;
}

/** One operation a request was matched to. */
interface Matched {
  /** E.g. `RotateCredential (POST /v1/entities/{namespace}/.../rotate)`. */
  name: string;
  operation: Operation;
  parameters: Parameter[];
  /** The path parameters, decoded. */
  pathValues: Record<string, string>;
}

interface Contract {
  document: Document;
  ajv: Ajv;
  validators: WeakMap<object, ValidateFunction>;
}

let loaded: Contract | undefined;

function contract(): Contract {
  if (!loaded) {
    const document = parseYaml(readFileSync(DOCUMENT_FILE, 'utf8')) as Document;
    // As the backend's own tests read the document: component schemas under one id.
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ $id: DOCUMENT_ID, components: document.components });
    loaded = { document, ajv, validators: new WeakMap() };
  }
  return loaded;
}

/** Follows a `$ref` to `#/components/...` (parameters, request bodies, responses). */
function resolveRef<T>(value: T | Reference): T {
  const ref = (value as Partial<Reference>).$ref;
  if (typeof ref !== 'string') return value as T;
  const target = ref
    .replace(/^#\//, '')
    .split('/')
    .map(key => key.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>(
      (node, key) => (node as Record<string, unknown> | undefined)?.[key],
      contract().document,
    );
  if (!ref.startsWith('#/') || target === undefined) {
    throw new Error(`OpenAPI document: ${ref} points nowhere`);
  }
  return resolveRef(target as T | Reference);
}

/** A schema from anywhere in the document, its `#/components/...` refs made absolute. */
function absoluteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(absoluteRefs);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [
        key,
        key === '$ref' && typeof inner === 'string' && inner.startsWith('#/')
          ? `${DOCUMENT_ID}${inner}`
          : absoluteRefs(inner),
      ]),
    );
  }
  return value;
}

function describeError(error: ErrorObject, what: string): string {
  let detail = '';
  if (error.keyword === 'additionalProperties') {
    detail = ` (${error.params.additionalProperty})`;
  } else if (error.keyword === 'enum') {
    detail = ` (${(error.params.allowedValues as unknown[]).join(', ')})`;
  }
  return `${what}${error.instancePath} ${error.message}${detail}`;
}

/** What in `value` does not match `schema`; names fields and rules, never values. */
function schemaProblems(
  schema: SchemaObject,
  value: unknown,
  what: string,
): string[] {
  const { ajv, validators } = contract();
  let validate = validators.get(schema);
  if (!validate) {
    validate = ajv.compile(absoluteRefs(schema) as SchemaObject);
    validators.set(schema, validate);
  }
  if (validate(value)) return [];
  return [...new Set((validate.errors ?? []).map(e => describeError(e, what)))];
}

/** The documented operation a request goes to, or why there is none. */
function matchOperation(method: string, url: string): Matched | string {
  const { pathname } = new URL(url);
  if (!pathname.startsWith(`${MOUNT_POINT}/`)) {
    return `${method} ${pathname} is not under ${MOUNT_POINT}`;
  }
  const path = pathname.slice(MOUNT_POINT.length);
  const segments = path.split('/');
  const { document } = contract();
  const templates = Object.keys(document.paths)
    .map(template => ({ template, parts: template.split('/') }))
    .filter(
      ({ parts }) =>
        parts.length === segments.length &&
        parts.every((part, i) =>
          /^\{.+\}$/.test(part) ? segments[i] !== '' : part === segments[i],
        ),
    )
    // The most literal template wins (`/v1/rotations/{id}` over `/v1/{any}/{id}`).
    .sort(
      (a, b) =>
        b.parts.filter(p => !p.startsWith('{')).length -
        a.parts.filter(p => !p.startsWith('{')).length,
    );
  if (templates.length === 0) {
    return `no documented path matches ${method} ${path}`;
  }
  const { template, parts } = templates[0];
  const pathItem = document.paths[template];
  const operation = pathItem[method.toLowerCase()];
  if (!operation || Array.isArray(operation)) {
    return `${template} documents no ${method} (asked: ${method} ${path})`;
  }
  const pathValues: Record<string, string> = {};
  parts.forEach((part, i) => {
    if (part.startsWith('{')) {
      let value = segments[i];
      try {
        value = decodeURIComponent(value);
      } catch {
        // Left as sent; its schema says what is wrong with it.
      }
      pathValues[part.slice(1, -1)] = value;
    }
  });
  return {
    name: `${
      operation.operationId ?? '(no operationId)'
    } (${method} ${template})`,
    operation,
    parameters: [
      ...(pathItem.parameters ?? []),
      ...(operation.parameters ?? []),
    ].map(p => resolveRef<Parameter>(p)),
    pathValues,
  };
}

/** A query value as the document types it (`limit=10` is an integer). */
function queryValue(parameter: Parameter, values: string[]): unknown {
  const schema = resolveRef<SchemaObject>(
    (parameter.schema ?? {}) as SchemaObject,
  );
  if (schema.type === 'array') {
    return parameter.explode === false
      ? values.flatMap(v => v.split(','))
      : values;
  }
  const [value] = values;
  if (schema.type === 'integer' || schema.type === 'number') {
    return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  }
  if (schema.type === 'boolean') {
    return value === 'true' || value === 'false' ? value === 'true' : value;
  }
  return value;
}

async function requestProblems(
  matched: Matched,
  request: Request,
): Promise<string[]> {
  const problems: string[] = [];
  for (const parameter of matched.parameters) {
    if (parameter.in !== 'path' || !parameter.schema) continue;
    problems.push(
      ...schemaProblems(
        parameter.schema,
        matched.pathValues[parameter.name],
        `path parameter ${parameter.name}`,
      ),
    );
  }
  const query = new URL(request.url).searchParams;
  for (const name of new Set(query.keys())) {
    const parameter = matched.parameters.find(
      p => p.in === 'query' && p.name === name,
    );
    if (!parameter) {
      problems.push(`query parameter ${name} is not documented`);
      continue;
    }
    const values = query.getAll(name);
    const value = queryValue(parameter, values);
    if (values.length > 1 && !Array.isArray(value)) {
      problems.push(`query parameter ${name} is given ${values.length} times`);
    } else if (parameter.schema) {
      problems.push(
        ...schemaProblems(parameter.schema, value, `query parameter ${name}`),
      );
    }
  }
  for (const parameter of matched.parameters) {
    if (
      parameter.in === 'query' &&
      parameter.required &&
      !query.has(parameter.name)
    ) {
      problems.push(`query parameter ${parameter.name} is required`);
    }
  }

  const text = await request.clone().text();
  const requestBody = matched.operation.requestBody
    ? resolveRef(matched.operation.requestBody)
    : undefined;
  if (!requestBody) {
    if (text) problems.push('body sent, but the operation takes none');
    return problems;
  }
  if (!text) {
    if (requestBody.required) problems.push('body required, but none sent');
    return problems;
  }
  const contentType = request.headers.get('content-type') ?? '';
  if (!contentType.includes('application/json')) {
    problems.push(
      `body sent as ${contentType || 'no content type'}, not application/json`,
    );
  }
  const schema = requestBody.content?.['application/json']?.schema;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return [...problems, 'body is not JSON'];
  }
  if (schema) problems.push(...schemaProblems(schema, body, 'body'));
  return problems;
}

/**
 * Any operation may fail unexpectedly: the backend's error handler answers 500 with
 * Backstage's error body, though no operation lists it.
 */
const UNEXPECTED_ERROR = {
  content: {
    'application/json': { schema: { $ref: '#/components/schemas/Error' } },
  },
};

async function replyProblems(
  matched: Matched,
  response: Response,
): Promise<string[]> {
  const status = String(response.status);
  const { responses } = matched.operation;
  const documented =
    responses[status] ??
    responses[`${status[0]}XX`] ??
    responses.default ??
    (status === '500' ? UNEXPECTED_ERROR : undefined);
  if (!documented) {
    return [
      `status ${status} is not documented (documented: ${Object.keys(
        responses,
      ).join(', ')})`,
    ];
  }
  const text = await response.clone().text();
  const schema = resolveRef(documented).content?.['application/json']?.schema;
  if (!schema) {
    return text ? [`body sent, but status ${status} documents none`] : [];
  }
  if (!text) return [`no body, but status ${status} documents one`];
  const problems: string[] = [];
  const contentType = response.headers.get('content-type') ?? '';
  if (!contentType.includes('application/json')) {
    problems.push(
      `body sent as ${contentType || 'no content type'}, not application/json`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return [...problems, 'body is not JSON'];
  }
  return [...problems, ...schemaProblems(schema, body, 'body')];
}

/**
 * What is wrong with a reply `body` of `status` to `method` `url` (a URL under
 * `/api/apigee-credentials`), by the document; empty if nothing. For tests of this helper.
 */
export async function problemsOfReply(
  method: string,
  url: string,
  status: number,
  body: unknown,
): Promise<string[]> {
  const matched = matchOperation(method, url);
  if (typeof matched === 'string') return [matched];
  const response =
    body === undefined
      ? new Response(null, { status })
      : new Response(JSON.stringify(body), {
          status,
          headers: { 'content-type': 'application/json' },
        });
  return replyProblems(matched, response);
}

/** What is wrong with `request` by the document; empty if nothing. For tests of this helper. */
export async function problemsOfRequest(request: Request): Promise<string[]> {
  const matched = matchOperation(request.method, request.url);
  if (typeof matched === 'string') return [matched];
  return requestProblems(matched, request);
}

const violations: string[] = [];

function violation(message: string): never {
  const error = new Error(
    `OpenAPI document of the apigee-credentials backend: ${message}`,
  );
  violations.push(error.message);
  throw error;
}

/** The mismatches found since the last call (and forgets them). */
export function takeContractViolations(): string[] {
  return violations.splice(0);
}

// A test whose code under test swallowed the msw error still fails.
afterEach(() => {
  const found = takeContractViolations();
  if (found.length > 0) {
    throw new Error(found.join('\n'));
  }
});

const offTheDocumentReplies = new WeakMap<Response, string>();

/**
 * Marks a reply that breaks the document on purpose (a misbehaving backend, a proxy's error
 * page), saying why. The reply must then break it.
 */
export function offTheDocument<T extends Response>(reply: T, why: string): T {
  offTheDocumentReplies.set(reply, why);
  return reply;
}

/** msw's handler options, and what the handler's requests break on purpose. */
export interface ContractHandlerOptions extends RequestHandlerOptions {
  /** Why the requests of this handler break the document on purpose; each must. */
  requestOffTheDocument?: string;
}

type ResolverInfo<Params extends PathParams<keyof Params>> = Parameters<
  HttpResponseResolver<Params>
>[0];

type Resolver<Params extends PathParams<keyof Params>> = (
  info: ResolverInfo<Params>,
) => Response | undefined | void | Promise<Response | undefined | void>;

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

function checked(method: Method) {
  return <Params extends PathParams<keyof Params> = PathParams>(
    path: string,
    resolver: Resolver<Params>,
    options: ContractHandlerOptions = {},
  ) => {
    const { requestOffTheDocument, ...handlerOptions } = options;
    const handler = method.toLowerCase() as Lowercase<Method>;
    return mswHttp[handler]<Params>(
      path,
      async info => {
        const matched = matchOperation(method, info.request.url);
        if (typeof matched === 'string') {
          return violation(`a fake reply to ${method} ${path}: ${matched}`);
        }
        const sent = await requestProblems(matched, info.request);
        if (requestOffTheDocument === undefined && sent.length > 0) {
          violation(
            `the request to ${matched.name} does not match: ${sent.join('; ')}`,
          );
        }
        if (requestOffTheDocument !== undefined && sent.length === 0) {
          violation(
            `the request to ${matched.name} is marked off the document (${requestOffTheDocument}) but matches it`,
          );
        }
        const reply = await resolver(info);
        if (!reply) return reply;
        const why = offTheDocumentReplies.get(reply);
        const answered = await replyProblems(matched, reply);
        if (why === undefined && answered.length > 0) {
          violation(
            `the reply of ${matched.name} with status ${
              reply.status
            } does not match: ${answered.join('; ')}`,
          );
        }
        if (why !== undefined && answered.length === 0) {
          violation(
            `the reply of ${matched.name} with status ${reply.status} is marked off the document (${why}) but matches it`,
          );
        }
        return reply;
      },
      handlerOptions,
    );
  };
}

/** msw's `http`, for the apigee-credentials backend's API, checked against its document. */
export const http = {
  get: checked('GET'),
  post: checked('POST'),
  put: checked('PUT'),
  patch: checked('PATCH'),
  delete: checked('DELETE'),
};
