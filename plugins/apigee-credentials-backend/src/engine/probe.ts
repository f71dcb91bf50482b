import { NotAllowedError } from '@backstage/errors';
import { ProbeSpec } from './types';

/**
 * Whether a path is in normal form: starts with "/", only plain characters (no percent
 * encoding, backslashes or query), and no ".", ".." or empty segments (a trailing "/" is
 * fine). Paths are compared only in this form, so a gateway cannot read them differently.
 */
export function isNormalPath(path: string): boolean {
  if (!/^\/[A-Za-z0-9/_.~-]*$/.test(path)) return false;
  const segments = path.slice(1).split('/');
  return segments.every((segment, i) =>
    segment === ''
      ? i === segments.length - 1
      : segment !== '.' && segment !== '..',
  );
}

/** Whether `path` is `prefix` or below it, segment by segment (`/a` covers `/a/b`, not `/ab`). */
export function isUnderPathPrefix(path: string, prefix: string): boolean {
  const base = prefix.replace(/\/+$/, '');
  return path === base || path.startsWith(`${base}/`);
}

// scheme://authority, then the raw path and query exactly as written (no userinfo, no fragment).
const PROBE_URL = /^https?:\/\/[^/?#\\@]+(\/[^?#]*)?(\?[^#]*)?$/i;

/**
 * Refuses a probe URL outside the configured prefixes: a probe carries a new key, so it
 * must only ever go to the company's own API gateway. The path must be in normal form and
 * is compared segment by segment.
 */
export function assertProbeAllowed(
  spec: ProbeSpec,
  allowedPrefixes: string[],
): void {
  const raw = PROBE_URL.exec(spec.url);
  let url: URL;
  try {
    if (!raw) throw new Error('not a plain http(s) URL');
    url = new URL(spec.url);
  } catch {
    throw new NotAllowedError(
      `The probe URL of the binding is not a valid URL`,
    );
  }
  const path = raw[1] ?? '/';
  if (!isNormalPath(path)) {
    throw new NotAllowedError(
      `Probe URL ${url.origin}${url.pathname} has a path that is not in normal form (percent-encoding, ".", ".." or empty segments); the plugin sends new keys only to allowed gateways`,
    );
  }
  const allowed = allowedPrefixes.some(prefix => {
    try {
      const base = new URL(prefix);
      return (
        base.origin === url.origin && isUnderPathPrefix(path, base.pathname)
      );
    } catch {
      return false;
    }
  });
  if (!allowed) {
    throw new NotAllowedError(
      `Probe URL ${url.origin}${
        url.pathname
      } is not under apigeeCredentials.rotation.allowedProbeUrlPrefixes or a probe host's pathPrefixes (allowed: ${
        allowedPrefixes.join(', ') || 'none'
      }); the plugin sends new keys only to allowed gateways`,
    );
  }
}

/** The outcome of one probe call; `detail` names status and fault code, never the key. */
export interface ProbeResult {
  accepted: boolean;
  detail: string;
  /** The proxy answered with a redirect (3xx), which is never followed. */
  redirected?: boolean;
}

/**
 * Calls an API proxy with a key, the way an application would (a key is usable only
 * once Apigee's runtime accepts it, which can lag the management API by up to ~180 s).
 */
export async function probeKey(
  spec: ProbeSpec,
  credential: { consumerKey: string; consumerSecret: string },
  timeoutMs: number,
): Promise<ProbeResult> {
  const url = new URL(spec.url);
  const headers: Record<string, string> = { Accept: 'application/json' };
  const location = spec.key ?? { in: 'header' as const };
  if (location.in === 'header') {
    headers[location.name ?? 'x-apikey'] = credential.consumerKey;
  } else if (location.in === 'query') {
    url.searchParams.set(location.name ?? 'apikey', credential.consumerKey);
  } else {
    headers.Authorization = `Basic ${Buffer.from(
      `${credential.consumerKey}:${credential.consumerSecret}`,
    ).toString('base64')}`;
  }
  let response: Response;
  try {
    response = await fetch(url, {
      method: spec.method ?? 'GET',
      headers,
      // A redirect would carry the key to wherever the answer points: never follow one.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const timedOut = (error as Error)?.name === 'TimeoutError';
    return {
      accepted: false,
      detail: timedOut
        ? `no answer within ${timeoutMs} ms`
        : 'the proxy could not be reached',
    };
  }
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel().catch(() => undefined);
    return {
      accepted: false,
      redirected: true,
      detail: `HTTP ${response.status} (a redirect, not followed)`,
    };
  }
  const text = await response.text().catch(() => '');
  const accepted = spec.acceptedStatuses
    ? spec.acceptedStatuses.includes(response.status)
    : response.status >= 200 && response.status < 300;
  return { accepted, detail: `HTTP ${response.status}${faultCode(text)}` };
}

/** ` (errorcode)` of an Apigee runtime fault body (`fault.detail.errorcode`), if any. */
function faultCode(text: string): string {
  try {
    const code = JSON.parse(text)?.fault?.detail?.errorcode;
    return typeof code === 'string' ? ` (${code})` : '';
  } catch {
    return '';
  }
}
