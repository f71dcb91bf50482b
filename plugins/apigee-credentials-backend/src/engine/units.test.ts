import { ConfigReader } from '@backstage/config';
import {
  KeyProviderError,
  fingerprint,
} from '@keyrotation/backstage-plugin-apigee-credentials-node';
import { NotAllowedError } from '@backstage/errors';
import { durationToMs, formatMs } from './durations';
import { RotationFailure, failureCode } from './failures';
import {
  KEY_MATERIAL_PATTERN,
  generateApiKeyPair,
  generateKeyMaterial,
} from './keyGeneration';
import { RetryRunner, isTransientError } from './retry';
import { SecretScrubber } from './scrub';
import { assertProbeAllowed } from './probe';
import { DEFAULT_ENGINE_SETTINGS, readEngineSettings } from './settings';

describe('key generation', () => {
  it('draws keys and secrets from Apigee’s alphabet, with the requested length and no leading dash', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const { consumerKey, consumerSecret } = generateApiKeyPair();
      expect(consumerKey).toMatch(KEY_MATERIAL_PATTERN);
      expect(consumerKey).toHaveLength(32);
      expect(consumerSecret).toHaveLength(48);
      expect(consumerKey.startsWith('-')).toBe(false);
      seen.add(consumerKey);
    }
    expect(seen.size).toBe(500);
    expect(generateKeyMaterial(255)).toMatch(/^[A-Za-z0-9_-]{255}$/);
    expect(() => generateKeyMaterial(8)).toThrow('16..255');
  });

  it('uses the whole alphabet (each character carries 6 random bits)', () => {
    const chars = new Set(generateKeyMaterial(255).split(''));
    for (let i = 0; i < 40; i++)
      generateKeyMaterial(255)
        .split('')
        .forEach(c => chars.add(c));
    expect(chars.size).toBe(64);
  });
});

describe('transient error classification', () => {
  it.each([
    [new KeyProviderError('busy', { kind: 'transient', status: 429 }), true],
    [new KeyProviderError('gone', { kind: 'not-found', status: 404 }), false],
    [
      Object.assign(new Error('slow down'), { name: 'ThrottlingException' }),
      true,
    ],
    [Object.assign(new Error('oops'), { name: 'InternalServiceError' }), true],
    [
      Object.assign(new Error('x'), {
        name: 'Foo',
        $metadata: { httpStatusCode: 503 },
      }),
      true,
    ],
    [
      Object.assign(new Error('quota'), {
        name: 'LimitExceededException',
        $metadata: { httpStatusCode: 400 },
      }),
      false,
    ],
    [
      Object.assign(new Error('bad'), {
        name: 'InvalidParameterException',
        $metadata: { httpStatusCode: 400 },
      }),
      false,
    ],
    [
      new TypeError('fetch failed', {
        cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }),
      }),
      true,
    ],
    [Object.assign(new Error('t'), { name: 'TimeoutError' }), true],
    [new Error('plain'), false],
  ])('%s → %s', (error, transient) => {
    expect(isTransientError(error)).toBe(transient);
  });

  it('maps failures to the codes shown to users', () => {
    expect(failureCode(new RotationFailure('parity', 'x'))).toBe('parity');
    expect(failureCode(new KeyProviderError('x', { kind: 'key-limit' }))).toBe(
      'key-limit',
    );
    expect(
      failureCode(new KeyProviderError('x', { kind: 'unauthorized' })),
    ).toBe('configuration');
    expect(failureCode(new NotAllowedError('x'))).toBe('not-allowed');
    expect(
      failureCode(
        Object.assign(new Error('x'), { name: 'ThrottlingException' }),
      ),
    ).toBe('unavailable');
    expect(
      failureCode(
        Object.assign(new Error('x'), { name: 'ResourceNotFoundException' }),
      ),
    ).toBe('drift');
    expect(failureCode(new Error('x'))).toBe('internal');
  });
});

describe('RetryRunner (cockatiel)', () => {
  const settings = { maxDurationMs: 300, initialDelayMs: 10, maxDelayMs: 50 };

  it('retries transient failures until success', async () => {
    let calls = 0;
    const result = await new RetryRunner(settings).run('op', async () => {
      calls += 1;
      if (calls < 4) throw new KeyProviderError('busy', { kind: 'transient' });
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(calls).toBe(4);
  });

  it('does not retry other failures', async () => {
    let calls = 0;
    await expect(
      new RetryRunner(settings).run('op', async () => {
        calls += 1;
        throw new KeyProviderError('nope', { kind: 'invalid' });
      }),
    ).rejects.toThrow('nope');
    expect(calls).toBe(1);
  });

  it('gives up once its time is up, even when the server asks to wait longer', async () => {
    const started = Date.now();
    const retries: number[] = [];
    await expect(
      new RetryRunner(settings, Date.now, info =>
        retries.push(info.delayMs),
      ).run('op', async () => {
        throw new KeyProviderError('busy', {
          kind: 'transient',
          retryAfterMs: 10_000,
        });
      }),
    ).rejects.toThrow('busy');
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(1000);
    expect(Math.max(...retries)).toBeLessThanOrEqual(300);
  });
});

describe('SecretScrubber', () => {
  it('replaces known values by their fingerprint, longest first', () => {
    const key = 'AbCdEfGhIjKlMnOpQrStUvWx';
    const scrubber = new SecretScrubber().add(
      key,
      `${key}-and-more`,
      'short',
      undefined,
    );
    expect(scrubber.scrub(`bad ${key}-and-more and ${key}; short`)).toBe(
      `bad [redacted ${fingerprint(
        `${key}-and-more`,
      )}] and [redacted ${fingerprint(key)}]; short`,
    );
    expect(
      scrubber.describe(
        new KeyProviderError(`failed for ${key}`, { kind: 'invalid' }),
      ),
    ).toBe(`KeyProviderError: failed for [redacted ${fingerprint(key)}]`);
  });
});

describe('probe URL allow-list', () => {
  const allowed = ['https://api.example.com/gateway/'];
  it.each([
    ['https://api.example.com/gateway/orders', true],
    ['https://api.example.com/gateway/orders?x=1', true],
    ['https://api.example.com/gatewayx/orders', false],
    ['https://api.example.com/gateway/../admin', false],
    ['https://api.example.com/gateway/%2e%2e/admin', false],
    ['https://api.example.com/gateway/orders%2F..%2F..%2Fadmin', false],
    ['https://api.example.com/gateway/./orders', false],
    ['https://api.example.com/gateway//orders', false],
    ['https://api.example.com/gateway\\..\\admin', false],
    ['https://user@api.example.com/gateway/orders', false],
    ['https://api.example.com.evil.io/gateway/orders', false],
    ['http://api.example.com/gateway/orders', false],
    ['https://api.example.com/other', false],
    ['not a url', false],
  ])('%s → %s', (url, ok) => {
    let outcome = 'allowed';
    try {
      assertProbeAllowed({ url }, allowed);
    } catch (error) {
      outcome = (error as Error).name;
    }
    expect(outcome).toBe(ok ? 'allowed' : 'NotAllowedError');
  });
  it('trusts the configured probe hosts as well, below their path prefixes only', () => {
    const settings = readEngineSettings(
      new ConfigReader({
        apigeeCredentials: {
          probeHosts: [
            {
              name: 'gw',
              baseUrl: 'https://gw.example.com/apis',
              pathPrefixes: ['/orders', '/payments/'],
            },
            { name: 'closed', baseUrl: 'https://closed.example.com' },
          ],
          rotation: { allowedProbeUrlPrefixes: ['https://other.example.com/'] },
        },
      }),
    );
    expect(settings.allowedProbeUrlPrefixes).toEqual([
      'https://other.example.com/',
      'https://gw.example.com/apis/orders',
      'https://gw.example.com/apis/payments/',
    ]);
    const probeAllowed = (url: string) => {
      try {
        assertProbeAllowed({ url }, settings.allowedProbeUrlPrefixes);
        return true;
      } catch {
        return false;
      }
    };
    expect(probeAllowed('https://gw.example.com/apis/orders')).toBe(true);
    expect(probeAllowed('https://gw.example.com/apis/orders/ping')).toBe(true);
    expect(probeAllowed('https://gw.example.com/apis/payments/ping')).toBe(
      true,
    );
    expect(probeAllowed('https://gw.example.com/apis/orders-admin')).toBe(
      false,
    );
    expect(probeAllowed('https://gw.example.com/apis/admin')).toBe(false);
    expect(probeAllowed('https://gw.example.com/apis/orders/../admin')).toBe(
      false,
    );
    expect(probeAllowed('https://gw.example.com/apis-x')).toBe(false);
    expect(probeAllowed('https://closed.example.com/anything')).toBe(false);
  });

  it('refuses default durations below the floors at startup', () => {
    expect(() =>
      readEngineSettings(
        new ConfigReader({
          apigeeCredentials: { rotation: { gracePeriod: { minutes: 10 } } },
        }),
      ),
    ).toThrow(
      'apigeeCredentials.rotation.gracePeriod (10m) is below apigeeCredentials.rotation.minimumGracePeriod (1h)',
    );
    expect(() =>
      readEngineSettings(
        new ConfigReader({
          apigeeCredentials: {
            rotation: { maxAge: { hours: 1 }, minimumMaxAge: { days: 2 } },
          },
        }),
      ),
    ).toThrow('minimumMaxAge (2d)');
    const lowered = readEngineSettings(
      new ConfigReader({
        apigeeCredentials: {
          rotation: {
            gracePeriod: { minutes: 10 },
            minimumGracePeriod: { minutes: 10 },
          },
        },
      }),
    );
    expect(lowered.minimumGracePeriodMs).toBe(600_000);
    expect(lowered.minimumMaxAgeMs).toBe(24 * 3600_000);
  });

  it('refuses bad path prefixes and base URLs at startup', () => {
    for (const host of [
      {
        name: 'gw',
        baseUrl: 'https://gw.example.com',
        pathPrefixes: ['orders'],
      },
      {
        name: 'gw',
        baseUrl: 'https://gw.example.com',
        pathPrefixes: ['/a/../b'],
      },
      {
        name: 'gw',
        baseUrl: 'https://gw.example.com',
        pathPrefixes: ['/a%2Fb'],
      },
      { name: 'gw', baseUrl: 'ftp://gw.example.com', pathPrefixes: ['/a'] },
    ]) {
      expect(() =>
        readEngineSettings(
          new ConfigReader({ apigeeCredentials: { probeHosts: [host] } }),
        ),
      ).toThrow(/apigeeCredentials\.probeHosts\[0\]/);
    }
  });

  it('allows nothing when no prefix is configured', () => {
    expect(() =>
      assertProbeAllowed({ url: 'https://api.example.com/x' }, []),
    ).toThrow('allowedProbeUrlPrefixes');
  });
});

describe('durations and settings', () => {
  it('reads ISO strings, milliseconds and objects', () => {
    expect(durationToMs('PT15M', 'x')).toBe(900_000);
    expect(durationToMs({ hours: 1, minutes: 1 }, 'x')).toBe(3_660_000);
    expect(durationToMs(250, 'x')).toBe(250);
    expect(() => durationToMs('15 minutes', 'gracePeriod of b')).toThrow(
      'gracePeriod of b must be an ISO 8601 duration',
    );
    expect(() => durationToMs({ fortnights: 1 } as any, 'x')).toThrow(
      'unknown duration unit',
    );
    expect(() => durationToMs(-5, 'x')).toThrow('non-negative');
    expect(formatMs(210_000)).toBe('3m 30s');
  });

  it('reads apigeeCredentials.rotation with defaults', () => {
    expect(readEngineSettings(new ConfigReader({}))).toEqual(
      DEFAULT_ENGINE_SETTINGS,
    );
    const settings = readEngineSettings(
      new ConfigReader({
        apigeeCredentials: {
          rotation: {
            gracePeriod: { hours: 2 },
            keyPropagationDelay: 'PT3M',
            keyLength: 40,
            retry: { maxDuration: { seconds: 5 } },
          },
        },
      }),
    );
    expect(settings).toMatchObject({
      gracePeriodMs: 7_200_000,
      keyPropagationDelayMs: 180_000,
      keyLength: 40,
      retry: { maxDurationMs: 5000, initialDelayMs: 250 },
    });
    expect(() =>
      readEngineSettings(
        new ConfigReader({
          apigeeCredentials: { rotation: { secretLength: 8 } },
        }),
      ),
    ).toThrow('secretLength must be an integer in 16..255');
  });
});
