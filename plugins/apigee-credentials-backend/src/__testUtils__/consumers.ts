import {
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';

/**
 * How a simulated application holds the key it read from Secrets Manager:
 * - `eager` reads AWSCURRENT before every call;
 * - `sticky` keeps what it read for `refreshEveryMs` (as the AWS secrets caching libraries
 *   do, one hour by default);
 * - `start-only` reads once at start and again only when restarted (a long-running service).
 */
export type ConsumerStyle = 'eager' | 'sticky' | 'start-only';

export interface SimulatedConsumerOptions {
  name: string;
  style: ConsumerStyle;
  secretsManager: SecretsManagerClient;
  secretId: string;
  /** Full URL of the proxy the consumer calls, e.g. `{sandbox}/gateway/acme-edge/orders`. */
  proxyUrl: string;
  /** The header VerifyAPIKey reads the key from. */
  keyHeader?: string;
  /** Sent as X-Forwarded-For: what analytics reports as the client. */
  clientIp: string;
  /** `sticky` only: how long a read value is kept. */
  refreshEveryMs?: number;
  now?: () => number;
}

/** One call's result, as the application saw it. */
export interface ConsumerCall {
  ok: boolean;
  status: number;
  consumerKey: string;
}

/**
 * An application that reads its Apigee key from Secrets Manager (the real AWS SDK) and calls
 * a proxy through the sandbox gateway with it; it counts its own failures, which is what a
 * cut-off consumer looks like.
 */
export class SimulatedConsumer {
  calls = 0;
  failures: ConsumerCall[] = [];
  readonly #options: SimulatedConsumerOptions;
  #cached?: { consumerKey: string; readAt: number };

  constructor(options: SimulatedConsumerOptions) {
    this.#options = options;
  }

  get name() {
    return this.#options.name;
  }

  /** The key the consumer would call with next, reading the secret when its style says so. */
  async key(): Promise<string> {
    const { style, refreshEveryMs = 60_000 } = this.#options;
    const now = this.#options.now?.() ?? Date.now();
    const stale =
      !this.#cached ||
      style === 'eager' ||
      (style === 'sticky' && now - this.#cached.readAt >= refreshEveryMs);
    if (stale) {
      this.#cached = { consumerKey: await this.#read(), readAt: now };
    }
    return this.#cached!.consumerKey;
  }

  /** Forgets the key it holds, as a restarted process does. */
  restart() {
    this.#cached = undefined;
  }

  async call(): Promise<ConsumerCall> {
    const consumerKey = await this.key();
    const response = await fetch(this.#options.proxyUrl, {
      headers: {
        [this.#options.keyHeader ?? 'x-apikey']: consumerKey,
        'X-Forwarded-For': this.#options.clientIp,
      },
    });
    await response.text();
    const result = { ok: response.ok, status: response.status, consumerKey };
    this.calls += 1;
    if (!result.ok) this.failures.push(result);
    return result;
  }

  async #read(): Promise<string> {
    const answer = await this.#options.secretsManager.send(
      new GetSecretValueCommand({ SecretId: this.#options.secretId }),
    );
    const consumerKey = JSON.parse(answer.SecretString ?? '{}').consumerKey;
    if (typeof consumerKey !== 'string') {
      throw new Error(`${this.name}: AWSCURRENT holds no consumerKey`);
    }
    return consumerKey;
  }
}
