import { NotAllowedError } from '@backstage/errors';
import { ProbeSpec } from './types';

/**
 * Refuses a probe URL outside the configured prefixes: a probe carries a new key, so it
 * must only ever go to the company's own API gateway.
 */
export function assertProbeAllowed(
  spec: ProbeSpec,
  allowedPrefixes: string[],
): void {
  let url: URL;
  try {
    url = new URL(spec.url);
  } catch {
    throw new NotAllowedError(
      `The probe URL of the binding is not a valid URL`,
    );
  }
  const normalized = url.toString();
  const allowed = allowedPrefixes.some(prefix => {
    try {
      const base = new URL(prefix).toString();
      // A prefix is a whole path: https://gw/apis allows https://gw/apis/x, not https://gw/apis-x.
      return (
        normalized === base ||
        normalized.startsWith(base.endsWith('/') ? base : `${base}/`) ||
        normalized.startsWith(`${base}?`)
      );
    } catch {
      return false;
    }
  });
  if (!allowed || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new NotAllowedError(
      `Probe URL ${url.origin}${url.pathname} is not under apigeeCredentials.rotation.allowedProbeUrlPrefixes; the plugin sends new keys only to allowed gateways`,
    );
  }
}

/** The outcome of one probe call; `detail` names status and fault code, never the key. */
export interface ProbeResult {
  accepted: boolean;
  detail: string;
}

/**
 * Calls an API proxy with a key, the way an application would (ref D: a key is usable only
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
  const text = await response.text().catch(() => '');
  const accepted = spec.acceptedStatuses
    ? spec.acceptedStatuses.includes(response.status)
    : response.status >= 200 && response.status < 300;
  return { accepted, detail: `HTTP ${response.status}${faultCode(text)}` };
}

/** ` (errorcode)` of an Apigee runtime fault body, when there is one (ref A.5). */
function faultCode(text: string): string {
  try {
    const code = JSON.parse(text)?.fault?.detail?.errorcode;
    return typeof code === 'string' ? ` (${code})` : '';
  } catch {
    return '';
  }
}
