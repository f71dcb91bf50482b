/**
 * A length of time: an object with plural units such as `{ hours: 24 }`, an ISO 8601
 * duration such as `PT24H`, or a string such as `1d` (as `readDurationFromConfig` reads them).
 */
type DurationConfig =
  | {
      years?: number;
      months?: number;
      weeks?: number;
      days?: number;
      hours?: number;
      minutes?: number;
      seconds?: number;
      milliseconds?: number;
    }
  | string;

export interface Config {
  /** Configuration of the Apigee credentials plugin (rotation of Apigee keys into AWS Secrets Manager). */
  apigeeCredentials?: {
    /**
     * Apigee organisations the plugin issues keys in. Bindings name a provider by `name`.
     * Backend modules can add other providers through the key-provider extension point.
     */
    providers?: Array<{
      /** Name bindings use to refer to this provider, e.g. `edge-prod`. */
      name: string;
      /** `edge` for Apigee Edge / OPDK, `x` for Apigee X / hybrid. */
      type: 'edge' | 'x';
      /** The Apigee organisation. */
      organization: string;
      /**
       * Management API root without `/v1`. Defaults to https://api.enterprise.apigee.com (edge)
       * or https://apigee.googleapis.com (x). For OPDK: http://{management-server}:8080.
       */
      baseUrl?: string;
      /** Edge only: `organizations` (default) for /v1/organizations/{org}, or `o` for the /v1/o/{org} alias. */
      pathStyle?: 'organizations' | 'o';
      /**
       * Most keys an app may hold. When set, the engine makes room before importing a new key
       * (deleting keys that are neither current, pending nor in a grace period).
       */
      maxKeysPerApp?: number;
      /** Timeout of one management-API request. Default 30 seconds. */
      requestTimeout?: DurationConfig;
      /** Client-side rate limit of management-API calls (X allows 6,000 per minute). */
      maxRequestsPerSecond?: number;
      /**
       * Traffic checks on old keys through Apigee analytics (the stats API): an old key is
       * deleted only when analytics shows no calls with it. The management credentials need
       * read access to stats (Edge: GET on /environments/{env}/stats; X:
       * apigee.environments.getStats).
       */
      analytics?: {
        /**
         * `false`: no traffic checks; old keys are deleted when their grace period ends.
         * Default true.
         */
        enabled?: boolean;
        /**
         * Environments whose calls count, e.g. [prod]. Without any, traffic checks cannot
         * answer: old keys wait, and are revoked at the retirement deadline.
         */
        environments?: string[];
        /** How long after a call analytics shows it. Default 15 minutes (Edge documents about 12). */
        delay?: DurationConfig;
      };
      /** How the plugin authenticates to the management API. */
      auth: {
        /**
         * `basic` or `oauth` (Edge SSO password grant) for Edge; `serviceAccount` (Google) or
         * `accessToken` for X.
         */
        type: 'basic' | 'oauth' | 'serviceAccount' | 'accessToken';
        /** basic/oauth: the management user. */
        username?: string;
        /**
         * basic/oauth: the management user's password.
         * @visibility secret
         */
        password?: string;
        /**
         * oauth: MFA code sent as `mfa_token` with the password grant, for users with MFA.
         * @visibility secret
         */
        mfaToken?: string;
        /** oauth: token endpoint; default https://login.apigee.com/oauth/token. serviceAccount: token endpoint override (sandbox). */
        tokenUrl?: string;
        /** oauth: SSO client id; default edgecli. */
        clientId?: string;
        /**
         * oauth: SSO client secret; default edgeclisecret.
         * @visibility secret
         */
        clientSecret?: string;
        /**
         * serviceAccount: the content of a Google service-account JSON key file.
         * @visibility secret
         */
        credentials?: string;
        /** serviceAccount: the service account's e-mail (when `credentials` is not given). */
        clientEmail?: string;
        /**
         * serviceAccount: the service account's PEM private key (when `credentials` is not given).
         * @visibility secret
         */
        privateKey?: string;
        /**
         * accessToken: a ready OAuth2 access token for apigee.googleapis.com.
         * @visibility secret
         */
        token?: string;
      };
    }>;

    /** Where credentials are stored. AWS credentials and roles come from the standard `aws` config. */
    aws?: {
      /**
       * AWS accounts whose secrets the plugin may read and write. A binding pointing at any
       * other account is refused.
       */
      allowedAccountIds?: string[];
      /** Secrets Manager endpoint override, e.g. the local sandbox; the regional endpoint otherwise. */
      endpoint?: string;
      /** Timeout of one Secrets Manager request. Default 20 seconds. */
      requestTimeout?: DurationConfig;
      /**
       * Client-side limit of Secrets Manager requests per second, per account and Region
       * (e.g. 50 to stay under the PutSecretValue quota). Unlimited by default.
       */
      maxRequestsPerSecond?: number;
    };

    /** Tunables of the rotation engine. */
    rotation?: {
      /** How long an old key keeps working after a rotation before it is deleted. Default 24 hours; bindings may override. */
      gracePeriod?: DurationConfig;
      /** Age at which a scheduled pass rotates a credential. Default 90 days; bindings may override. */
      maxAge?: DurationConfig;
      /**
       * Shortest `maxAge` a binding annotation may set; a binding below it is `misconfigured`
       * (and `maxAge` above must not be below it). Default 1 day.
       */
      minimumMaxAge?: DurationConfig;
      /**
       * Shortest `gracePeriod` a binding annotation may set; a binding below it is
       * `misconfigured` (and `gracePeriod` above must not be below it). Default 1 hour.
       */
      minimumGracePeriod?: DurationConfig;
      /** Lease of a worker on a binding; a dead worker's rotation is taken over after it. Default 60 seconds. */
      leaseDuration?: DurationConfig;
      /**
       * Apigee's key cache (about 180 s). Without a probe, the engine waits this long after
       * the new key got its products before promoting it. Default 180 seconds.
       */
      keyPropagationDelay?: DurationConfig;
      /** How long the test step keeps checking and probing a new key before rolling back. Default 210 seconds. */
      testTimeout?: DurationConfig;
      /** Pause between two probe calls. Default 5 seconds. */
      testInterval?: DurationConfig;
      /** Timeout of one probe call. Default 10 seconds. */
      probeRequestTimeout?: DurationConfig;
      /**
       * URL prefixes a binding's probe may call (each probe host's base URL joined with each of
       * its `pathPrefixes` is added). A probe carries a newly issued key, so any other URL is
       * refused, and a redirect in a probe's answer is never followed.
       */
      allowedProbeUrlPrefixes?: string[];
      /** Length of generated consumer keys (16-255). Default 32. */
      keyLength?: number;
      /** Length of generated consumer secrets (16-255). Default 48. */
      secretLength?: number;
      /** Old-key retirement steps (traffic checks, deletions, revocations) per pass. Default 50. */
      deletionBatchSize?: number;
      /** Retries of transient failures (HTTP 429/5xx, throttling, timeouts). */
      retry?: {
        /** Total time one call may spend retrying. Default 60 seconds. */
        maxDuration?: DurationConfig;
        /** First pause between attempts (grows exponentially, with jitter). Default 250 ms. */
        initialDelay?: DurationConfig;
        /** Longest pause between attempts. Default 10 seconds. */
        maxDelay?: DurationConfig;
      };
    };

    /**
     * Proof of ownership outside the catalog. A binding is rotated, checked live and shown
     * with key details only when its secret carries the tag and its Apigee app the attribute
     * below, each naming the entity or its owner group (entity refs separated by spaces; a
     * bare name is a group), or when an admin approved the binding. Provisioning stamps both.
     */
    /**
     * How old keys are retired after a rotation (docs/key-retirement.md): deleted only when
     * Apigee analytics shows no calls with them, revoked at a deadline otherwise, restorable
     * for a while after that. A provider's `analytics.enabled: false`, or a binding's
     * `retireOldKeys: time`, deletes them when the grace period ends instead.
     */
    retirement?: {
      /** After the grace period: when a key still in use (or without analytics) is revoked. Default 7 days. */
      deadline?: DurationConfig;
      /** How long an owner can restore a revoked key before it is deleted. Default 3 days. */
      restoreWindow?: DurationConfig;
      /** How soon a key in use, or waiting for analytics, is checked again. Default 1 hour. */
      recheckInterval?: DurationConfig;
      /** How far back a traffic check looks for calls. Default 1 hour. */
      lookback?: DurationConfig;
    };
    ownership?: {
      /** Tag key on the Secrets Manager secret. Default `apigee-credentials:owner`. */
      secretTag?: string;
      /** Attribute name on the Apigee developer app. Default `apigee-credentials-owner`. */
      appAttribute?: string;
      /**
       * Attribute name on the Apigee developer naming the team it belongs to; provisioning
       * uses a developer only for that team. Default `apigee-credentials-owner`.
       */
      developerAttribute?: string;
    };

    /** Self-service provisioning (`POST /v1/provisions` and the scaffolder action). */
    provisioning?: {
      /**
       * API products users may provision keys for, per provider name, e.g.
       * `{ acme-edge: [orders-api] }`. A provider without an entry allows none. Holders of
       * `apigee-credentials.admin` may use any product.
       */
      allowedApiProducts?: { [provider: string]: string[] };
    };

    /**
     * Proxy hosts that binding annotations may name in `probe.host`. The catalog names a host,
     * never a URL, so a new key is only ever sent to these gateways.
     */
    probeHosts?: Array<{
      /** Name used in annotations, e.g. `prod-gateway`. */
      name: string;
      /** Base URL the annotation's `probe.path` is appended to. */
      baseUrl: string;
      /**
       * Paths below `baseUrl` that a binding's `probe.path` may use, e.g. `/orders`: a prefix
       * covers itself and the paths under it, segment by segment (`/orders` covers
       * `/orders/ping`, not `/orders-admin`). Paths are compared in normal form only (no `.`,
       * `..` or empty segments, no percent-encoding). Absent or empty: no probe path is
       * allowed on this host, and bindings naming it are `misconfigured`. `/` allows every
       * path on the host.
       */
      pathPrefixes?: string[];
    }>;

    /**
     * The global scheduled task (sync from the catalog, resume, rotate due credentials,
     * delete old keys). Each field has its default: every 5 minutes, 30-minute timeout,
     * 10 s initial delay.
     */
    schedule?: {
      frequency?: DurationConfig | { cron: string };
      timeout?: DurationConfig;
      initialDelay?: DurationConfig;
    };

    /**
     * Rotations running at once on one backend, whatever started them (scheduled pass, users,
     * resumed): one limit inside the engine; a rotation beyond it is recorded and waits its
     * turn. Also the number of bindings a scheduled pass checks at once. Default 4.
     */
    concurrency?: number;

    /**
     * How often each binding is checked live when nothing is due (its Apigee app and its
     * secret's metadata: three calls). Each binding has its own next check; the first after
     * adoption comes after a random part of the interval, so a fleet makes an even load. New
     * and changed bindings are checked at the next pass, due ones when they are due.
     * Default 3 hours: 24 calls a day per binding.
     */
    checkInterval?: DurationConfig;

    /** Most bindings one scheduled pass checks; the rest wait for the next pass. Default 1000. */
    checkBatchSize?: number;

    /** How long before its maximum age a credential is reported `due-soon`. Default 14 days. */
    dueSoon?: DurationConfig;

    /** Shortest time between two manual rotations of one credential. Default 5 minutes. */
    manualRotationCooldown?: DurationConfig;

    /** Per-user limits, counted in the database across replicas. */
    quotas?: {
      /**
       * Manual rotations (REST and the `rotate-credential` action) one user may start in any
       * hour, over all credentials; beyond it the request answers 429 with Retry-After.
       * Default 20.
       */
      manualRotationsPerUserPerHour?: number;
      /**
       * Provision attempts (REST and the scaffolder action) one user may start in any hour;
       * beyond it the request answers 429 with Retry-After. Default 10.
       */
      provisionsPerUserPerHour?: number;
    };

    /** Notifications to entity owners (failures, drift, due-soon and overdue are always sent). */
    notifications?: {
      /** Also notify on every successful rotation. Default false. */
      onSuccess?: boolean;
    };
  };
}
