/**
 * The contract between the rotation engine and a system that issues API keys
 * (Apigee Edge/OPDK, Apigee X/hybrid, or a company's own developer portal).
 *
 * Consumer keys and secrets are credentials: an implementation never logs them, never puts
 * them in error messages (describe the operation and the app instead) and never returns a
 * consumer secret. The engine hands a secret to {@link KeyProvider.importKey} and forgets it.
 */

/** Identifies a developer app. @public */
export interface DeveloperAppRef {
  /** Developer e-mail (preferred by Apigee; Apigee X wants it in lowercase) or id. */
  developer: string;
  /** App name. */
  app: string;
}

/** Status of a key, or of a key's association with an API product. @public */
export type ApiKeyStatus = 'approved' | 'pending' | 'revoked';

/** A key's association with one API product. @public */
export interface ApiProductAssociation {
  apiProduct: string;
  status: ApiKeyStatus;
}

/** What a provider reports about one key of an app; never the secret. @public */
export interface ApiKeyDetails {
  /** The consumer key. A credential in its own right: keep it in memory only. */
  consumerKey: string;
  status: ApiKeyStatus;
  apiProducts: ApiProductAssociation[];
  issuedAt?: Date;
  /** Undefined when the key never expires. */
  expiresAt?: Date;
}

/** What a provider reports about a developer app. @public */
export interface DeveloperAppDetails {
  developer: string;
  app: string;
  /** App status (`approved` or `revoked`); keys of a revoked app are not usable. */
  status: string;
  /** Developer status, when the provider reports it; `inactive` disables every key. */
  developerStatus?: string;
  /**
   * Custom attributes of the app (name → value). The plugin reads its ownership mark here
   * (`apigeeCredentials.ownership.appAttribute`); a provider that has none leaves it out.
   */
  attributes?: Record<string, string>;
  /**
   * Custom attributes of the developer, when the provider could read the developer. The
   * plugin reads which team a developer belongs to here
   * (`apigeeCredentials.ownership.developerAttribute`).
   */
  developerAttributes?: Record<string, string>;
  keys: ApiKeyDetails[];
}

/** What a provider reports about a developer. @public */
export interface DeveloperDetails {
  /** Developer status (`active` or `inactive`), when reported. */
  status?: string;
  /** Custom attributes (name → value); the plugin reads the developer's team here. */
  attributes: Record<string, string>;
}

/** Options for {@link KeyProvider.createApp}. @public */
export interface CreateAppOptions {
  /** Custom attributes to give the new app (name → value), e.g. its ownership mark. */
  attributes?: Record<string, string>;
}

/** A key pair to import. @public */
export interface NewApiKey {
  consumerKey: string;
  consumerSecret: string;
}

/**
 * One reason why a key cannot be used to call an API proxy.
 *
 * @public
 */
export interface KeyUsabilityProblem {
  code:
    | 'key-missing'
    | 'key-revoked'
    | 'key-expired'
    | 'app-revoked'
    | 'developer-inactive'
    | 'no-products'
    | 'product-missing'
    | 'product-not-approved'
    | 'product-unexpected';
  /** Human-readable explanation; contains product and app names, never key material. */
  message: string;
  apiProduct?: string;
}

/** The outcome of a usability check. @public */
export interface KeyUsability {
  usable: boolean;
  problems: KeyUsabilityProblem[];
}

/**
 * A system that issues API keys for developer apps. Every method must be safe to call again
 * after a failure or a crash (the engine retries and resumes), and must throw a
 * {@link KeyProviderError} so that the engine can tell transient failures from final ones.
 *
 * @public
 */
export interface KeyProvider {
  /** Name the bindings use to refer to this provider (from config). */
  readonly name: string;
  /** Largest number of keys an app may hold, when known (Apigee documents no limit). */
  readonly maxKeysPerApp?: number;

  /** Reads the app and its keys. Throws a `not-found` error when the app or developer is unknown. */
  getApp(ref: DeveloperAppRef): Promise<DeveloperAppDetails>;
  /**
   * Imports a caller-generated key pair into the app. The key starts with no API products.
   * Succeeds without change when this exact pair is already on the app (idempotent retry);
   * throws a `conflict` error when the consumer key exists with another secret or elsewhere,
   * and a `key-limit` error when the app holds as many keys as it may.
   */
  importKey(ref: DeveloperAppRef, key: NewApiKey): Promise<void>;
  /**
   * Associates API products with a key, merged with those it already has. May resolve to
   * the key as the API answered, with the status of each association: the engine then
   * decides what to approve from it instead of reading the app again (one round trip less).
   */
  addApiProducts(
    ref: DeveloperAppRef,
    consumerKey: string,
    apiProducts: string[],
  ): Promise<ApiKeyDetails | void>;
  /** Approves a key (a no-op when it already is approved). */
  approveKey(ref: DeveloperAppRef, consumerKey: string): Promise<void>;
  /** Approves a key's association with one API product (needed for manual-approval products). */
  approveApiProduct(
    ref: DeveloperAppRef,
    consumerKey: string,
    apiProduct: string,
  ): Promise<void>;
  /** Deletes a key. Succeeds when the key is already gone (idempotent retry). */
  deleteKey(ref: DeveloperAppRef, consumerKey: string): Promise<void>;
  /**
   * Optional: creates a developer app without API products, for provisioning a new consumer.
   * Apigee generates a key for every new app; the caller deletes the keys it does not use.
   * Throws a `conflict` error when the app exists and a `not-found` error when the developer
   * does not. Providers without it can only provision into existing apps. `attributes` are
   * set on the new app (the plugin stamps its ownership mark this way).
   */
  createApp?(
    ref: DeveloperAppRef,
    options?: CreateAppOptions,
  ): Promise<DeveloperAppDetails>;
  /**
   * Optional: reads a developer, for provisioning an app that does not exist yet: the
   * plugin checks the developer's team attribute before creating an app under it. Throws a
   * `not-found` error for an unknown developer. Without it, provisioning refuses new apps
   * (the developer's team cannot be known).
   */
  getDeveloper?(developer: string): Promise<DeveloperDetails>;
  /**
   * Optional: deletes a developer app and its keys; used only to undo a provisioning that
   * created the app. Succeeds when the app is already gone.
   */
  deleteApp?(ref: DeveloperAppRef): Promise<void>;
  /**
   * Optional: the provider's own verdict on whether a key can be used with exactly the given
   * products. When absent, the engine applies {@link assessKeyUsability} to
   * {@link KeyProvider.getApp}.
   */
  checkUsability?(
    ref: DeveloperAppRef,
    consumerKey: string,
    expectedApiProducts: string[],
  ): Promise<KeyUsability>;
  /**
   * Revokes a key: the gateway rejects it from then on, and {@link KeyProvider.approveKey}
   * can restore it. Succeeds when the key already is revoked. The engine revokes an old key
   * still in use when its retirement deadline passes, and on an owner's "revoke now".
   * Providers without it cannot revoke: such keys wait for their owners.
   */
  revokeKey?(ref: DeveloperAppRef, consumerKey: string): Promise<void>;
  /**
   * How this provider's old keys are retired: `traffic` (the default) deletes a key only
   * when {@link KeyProvider.keyTraffic} shows no calls with it; `time` deletes it when its
   * grace period ends (the provider opted out of traffic checks).
   */
  readonly oldKeyRetirement?: 'traffic' | 'time';
  /**
   * How long after a call it shows in {@link KeyProvider.keyTraffic} (analytics lag). The
   * engine deletes a key only after two silent answers at least this far apart.
   */
  readonly trafficDelayMs?: number;
  /**
   * Calls made with a key between `from` and `to`, summed over the environments the provider
   * watches. Throws a {@link KeyProviderError} when analytics cannot answer or is not
   * configured: the engine then never deletes the key on missing data. A provider without
   * this method is treated as having no analytics.
   */
  keyTraffic?(query: KeyTrafficQuery): Promise<KeyTraffic>;
}

/** What {@link KeyProvider.keyTraffic} is asked. @public */
export interface KeyTrafficQuery {
  ref: DeveloperAppRef;
  /** The key to count calls of. A credential: never log it or put it in an error. */
  consumerKey: string;
  from: Date;
  to: Date;
}

/** Calls with one key, as analytics reports them. @public */
export interface KeyTraffic {
  calls: number;
  /** The newest call seen, when there was one. */
  lastCallAt?: Date;
  /** Calls per API proxy and client (IP address) where analytics has them, largest first. */
  sources: Array<{ proxy?: string; client?: string; calls: number }>;
}
