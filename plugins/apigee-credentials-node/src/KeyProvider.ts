/**
 * The contract between the rotation engine and a system that issues API keys
 * (Apigee Edge/OPDK, Apigee X/hybrid, or a company's own developer portal).
 *
 * Implementations never log or return consumer secrets; the engine hands a secret to
 * {@link KeyProvider.importKey} and forgets it.
 */

/** Identifies a developer app. @public */
export interface DeveloperAppRef {
  /** Developer e-mail (preferred by Apigee) or id. */
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
  /** App status; keys of a revoked app are not usable. */
  status: string;
  /** Developer status, when the provider reports it; `inactive` disables every key. */
  developerStatus?: string;
  keys: ApiKeyDetails[];
}

/** A key pair to import. @public */
export interface NewApiKey {
  consumerKey: string;
  consumerSecret: string;
}

/** @public */
export interface KeyProvider {
  /** Name the bindings use to refer to this provider (from config). */
  readonly name: string;
  /** Largest number of keys an app may hold, when the provider enforces one. */
  readonly maxKeysPerApp?: number;

  /** Reads the app and its keys. Throws `NotFoundError` when the app or developer is unknown. */
  getApp(ref: DeveloperAppRef): Promise<DeveloperAppDetails>;
  /**
   * Imports a caller-generated key pair into the app. The key starts with no API products.
   * Succeeds without change when this exact key is already on the app (idempotent retry).
   */
  importKey(ref: DeveloperAppRef, key: NewApiKey): Promise<void>;
  /** Associates API products with a key (merged with those it already has). */
  addApiProducts(
    ref: DeveloperAppRef,
    consumerKey: string,
    apiProducts: string[],
  ): Promise<void>;
  /** Approves a key's association with one API product (needed for manual-approval products). */
  approveApiProduct(
    ref: DeveloperAppRef,
    consumerKey: string,
    apiProduct: string,
  ): Promise<void>;
  /** Deletes a key. Succeeds when the key is already gone (idempotent retry). */
  deleteKey(ref: DeveloperAppRef, consumerKey: string): Promise<void>;
}
