import {
  ApiKeyDetails,
  ApiKeyStatus,
  ApiProductAssociation,
} from '@keyrotation/backstage-plugin-apigee-credentials-node';

/**
 * Translation of Apigee management-API JSON into the provider contract. Edge writes
 * timestamps as numbers and X as int64 strings; `-1` means "never". The shapes are
 * described in docs/apigee-and-aws-facts.md.
 */

export function parseTimestamp(value: unknown): Date | undefined {
  const ms = typeof value === 'string' ? Number(value) : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0)
    return undefined;
  return new Date(ms);
}

function parseStatus(value: unknown): ApiKeyStatus {
  if (value === 'approved' || value === 'revoked' || value === 'pending')
    return value;
  // Unknown or missing: not usable until proven otherwise.
  return 'pending';
}

function parseProducts(value: unknown): ApiProductAssociation[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap(item => {
    if (typeof item === 'string')
      return [{ apiProduct: item, status: 'approved' as const }];
    if (
      item &&
      typeof item === 'object' &&
      typeof item.apiproduct === 'string'
    ) {
      return [
        { apiProduct: item.apiproduct, status: parseStatus(item.status) },
      ];
    }
    return [];
  });
}

/** A key (credential) object as GET app / GET key return it; fields may be missing. */
/** Apigee's `attributes: [{ name, value }]` (Edge and X alike) as a name → value map. */
export function parseAttributes(value: unknown): Record<string, string> {
  const attributes: Record<string, string> = {};
  if (!Array.isArray(value)) return attributes;
  for (const item of value) {
    if (
      item &&
      typeof item === 'object' &&
      typeof item.name === 'string' &&
      typeof item.value === 'string'
    ) {
      attributes[item.name] = item.value;
    }
  }
  return attributes;
}

export function parseKey(raw: unknown): ApiKeyDetails | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const key = raw as Record<string, unknown>;
  if (typeof key.consumerKey !== 'string' || !key.consumerKey) return undefined;
  return {
    consumerKey: key.consumerKey,
    status: parseStatus(key.status),
    apiProducts: parseProducts(key.apiProducts),
    issuedAt: parseTimestamp(key.issuedAt),
    expiresAt: parseTimestamp(key.expiresAt),
  };
}

/** The error code and message of an Apigee error body, Edge or google.rpc. */
export function parseErrorBody(body: unknown): {
  code?: string;
  message?: string;
} {
  if (!body || typeof body !== 'object') return {};
  const edge = body as { code?: unknown; message?: unknown; error?: unknown };
  if (edge.error && typeof edge.error === 'object') {
    const rpc = edge.error as {
      message?: unknown;
      status?: unknown;
      details?: Array<{ violations?: Array<{ type?: unknown }> }>;
    };
    const violation = Array.isArray(rpc.details)
      ? rpc.details
          .flatMap(d => d?.violations ?? [])
          .find(v => typeof v?.type === 'string')
      : undefined;
    return {
      code:
        (violation?.type as string | undefined) ??
        (typeof rpc.status === 'string' ? rpc.status : undefined),
      message: typeof rpc.message === 'string' ? rpc.message : undefined,
    };
  }
  if (typeof edge.code === 'string' || typeof edge.message === 'string') {
    return {
      code: typeof edge.code === 'string' ? edge.code : undefined,
      message: typeof edge.message === 'string' ? edge.message : undefined,
    };
  }
  // Runtime fault shape: {"fault":{"faultstring","detail":{"errorcode"}}}.
  const fault = (
    body as {
      fault?: { faultstring?: unknown; detail?: { errorcode?: unknown } };
    }
  ).fault;
  if (fault) {
    return {
      code:
        typeof fault.detail?.errorcode === 'string'
          ? fault.detail.errorcode
          : undefined,
      message:
        typeof fault.faultstring === 'string' ? fault.faultstring : undefined,
    };
  }
  return {};
}

/** The code Edge and X use for a consumer key that is not on the app (HTTP 404). */
export const KEY_NOT_IN_APP =
  'keymanagement.service.InvalidClientIdForGivenApp';
/** The code Edge and X use when keys/create gets a consumer key that exists (HTTP 409). */
export const KEY_ALREADY_EXISTS =
  'keymanagement.service.ConsumerKeyAlreadyExists';

/** Whether an error answer says the app holds too many keys (Apigee documents no code). */
export function isKeyLimitError(
  status: number,
  code?: string,
  message?: string,
): boolean {
  if (status !== 400 && status !== 403 && status !== 409) return false;
  if (code && /TooManyConsumerKeys|KeyLimit|MaxKeys/i.test(code)) return true;
  return !!message && /(maximum|too many|limit)[^.]*keys?/i.test(message);
}
