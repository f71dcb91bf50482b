/** Which flavour of the Apigee management API an organisation speaks. */
export type ApigeeDialect = 'edge' | 'x';

export type KeyStatus = 'approved' | 'revoked';
export type KeyProductStatus = 'approved' | 'pending' | 'revoked';
export type AppStatus = 'approved' | 'revoked';
export type DeveloperStatus = 'active' | 'inactive';
export type ApprovalType = 'auto' | 'manual';

export interface Attribute {
  name: string;
  value: string;
}

/** A key's association with one API product (Apigee's ApiProductRef). */
export interface KeyProductAssociation {
  apiproduct: string;
  status: KeyProductStatus;
}

/** One consumer key/secret pair of a developer app ("credential"). Times are ms since epoch. */
export interface AppKey {
  consumerKey: string;
  consumerSecret: string;
  status: KeyStatus;
  issuedAt: number;
  /** -1 means the key never expires. */
  expiresAt: number;
  attributes: Attribute[];
  scopes: string[];
  apiProducts: KeyProductAssociation[];
}

export interface DeveloperApp {
  appId: string;
  name: string;
  developerId: string;
  status: AppStatus;
  appFamily: string;
  attributes: Attribute[];
  callbackUrl?: string;
  /** Lifetime in ms of keys Apigee generates for this app; -1 means never expire. */
  keyExpiresIn: number;
  scopes: string[];
  createdAt: number;
  createdBy: string;
  lastModifiedAt: number;
  lastModifiedBy: string;
  credentials: AppKey[];
}

export interface Developer {
  developerId: string;
  email: string;
  firstName: string;
  lastName: string;
  userName: string;
  status: DeveloperStatus;
  attributes: Attribute[];
  createdAt: number;
  lastModifiedAt: number;
  apps: DeveloperApp[];
}

export interface ApiProduct {
  name: string;
  displayName: string;
  approvalType: ApprovalType;
  createdAt: number;
}

/** A management-API user of an Edge organisation (Basic auth and the password grant). */
export interface EdgeUser {
  username: string;
  password: string;
  /** When set, the password grant requires this value as `mfa_token` (stands in for a TOTP). */
  mfaCode?: string;
}

/** A Google service account allowed to call an Apigee X organisation. */
export interface ServiceAccount {
  email: string;
  /** SPKI PEM of the account's RS256 key, used to verify JWT-bearer assertions. */
  publicKeyPem: string;
}

/** Where a proxy's VerifyAPIKey policy reads the key from. */
export interface ProxyKeyLocation {
  /** `header` and `query` read the key alone; `basic` reads `key:secret` and checks the secret too. */
  in: 'header' | 'query' | 'basic';
  /** Header or query parameter name (ignored for `basic`). */
  name: string;
}

/** An API proxy protected by VerifyAPIKey, served by the sandbox gateway. */
export interface ApiProxy {
  name: string;
  basePath: string;
  apiProducts: string[];
  apiKey: ProxyKeyLocation;
  /**
   * Apigee environment the proxy is deployed to; only labels its traffic for the stats API
   * (the gateway serves every proxy on one host). `prod` when absent (older persisted state).
   */
  environment?: string;
}

export interface Organization {
  name: string;
  dialect: ApigeeDialect;
  maxKeysPerApp: number;
  users: EdgeUser[];
  /** Static bearer tokens accepted by an X organisation. */
  accessTokens: string[];
  serviceAccounts: ServiceAccount[];
  apiProducts: ApiProduct[];
  developers: Developer[];
  proxies: ApiProxy[];
}

/** Everything the Apigee emulation holds; plain JSON so that it can be persisted as is. */
export interface ApigeeStateData {
  organizations: Organization[];
}
