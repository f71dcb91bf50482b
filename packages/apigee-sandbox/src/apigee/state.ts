import { randomInt, randomUUID } from 'node:crypto';
import { apigeeErrors } from './errors';
import {
  ApiProduct,
  ApiProxy,
  ApigeeStateData,
  AppKey,
  AppStatus,
  Attribute,
  Developer,
  DeveloperApp,
  DeveloperStatus,
  KeyProductAssociation,
  KeyStatus,
  Organization,
} from './types';
import { assertValidKeyMaterial } from './validation';

/** What the gateway needs to know about a key, as Apigee's runtime would cache it. */
export interface RuntimeKeyView {
  org: string;
  consumerKey: string;
  consumerSecret: string;
  status: KeyStatus;
  expiresAt: number;
  apiProducts: KeyProductAssociation[];
  appName: string;
  appStatus: AppStatus;
  developerEmail: string;
  developerStatus: DeveloperStatus;
}

interface RuntimeHistoryEntry {
  at: number;
  /** null once the key was deleted. */
  view: RuntimeKeyView | null;
}

/** Changes a key can receive after creation: products appended, the rest replaced. */
export interface KeyUpdate {
  apiProducts?: string[];
  attributes?: Attribute[];
  scopes?: string[];
}

export interface NewKey {
  consumerKey: string;
  consumerSecret: string;
  /** ms since epoch, -1 for never. */
  expiresAt: number;
  attributes?: Attribute[];
  scopes?: string[];
}

export interface NewDeveloper {
  email: string;
  firstName?: string;
  lastName?: string;
  userName?: string;
  attributes?: Attribute[];
}

export interface NewApp {
  name: string;
  apiProducts?: string[];
  /** ms, -1 for never. */
  keyExpiresIn?: number;
  attributes?: Attribute[];
  callbackUrl?: string;
  scopes?: string[];
}

export interface GenerateKeyRequest {
  apiProducts?: string[];
  keyExpiresIn?: number;
  attributes?: Attribute[];
  callbackUrl?: string;
}

export interface ApigeeStateOptions {
  now?: () => Date;
}

const HISTORY_LIMIT = 50;
const GENERATED_KEY_ALPHABET =
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * The Apigee management-plane state of every organisation, with the operations the
 * management API exposes. Dialect-neutral: routers translate requests and render results.
 *
 * It also records, per key, a short history of what the runtime would see, so that the
 * gateway can look at the state "as of" some time ago and emulate Apigee's key cache
 * (keys, apps, developers and products are cached for up to 180 s).
 */
export class ApigeeState {
  #data: ApigeeStateData;
  #history = new Map<string, Map<string, RuntimeHistoryEntry[]>>();
  #listeners = new Set<() => void>();
  readonly #now: () => Date;

  constructor(data: ApigeeStateData, options?: ApigeeStateOptions) {
    this.#now = options?.now ?? (() => new Date());
    this.#data = structuredClone(data);
    this.#resetHistory();
  }

  /** Restores state written by {@link ApigeeState.toJSON}. */
  static fromJSON(json: unknown, options?: ApigeeStateOptions): ApigeeState {
    if (
      !json ||
      typeof json !== 'object' ||
      !Array.isArray((json as ApigeeStateData).organizations)
    ) {
      throw new TypeError(
        'Persisted Apigee state must be an object with an organizations array',
      );
    }
    return new ApigeeState(json as ApigeeStateData, options);
  }

  toJSON(): ApigeeStateData {
    return structuredClone(this.#data);
  }

  /** Replaces all state (used by reset); the runtime cache starts afresh. */
  replaceData(data: ApigeeStateData): void {
    this.#data = structuredClone(data);
    this.#resetHistory();
    this.#emitChange();
  }

  /** Registers a listener called after every mutation; returns an unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  // ---------------------------------------------------------------- organisations

  organizations(): readonly Organization[] {
    return this.#data.organizations;
  }

  findOrganization(name: string): Organization | undefined {
    return this.#data.organizations.find(o => o.name === name);
  }

  getOrganization(name: string): Organization {
    const org = this.findOrganization(name);
    if (!org) throw apigeeErrors.organizationNotFound(name);
    return org;
  }

  // ------------------------------------------------------------------ developers

  listDevelopers(orgName: string): readonly Developer[] {
    return this.getOrganization(orgName).developers;
  }

  /**
   * Finds a developer by path segment: on Edge the e-mail (any case) or the developer id;
   * on X only the e-mail, which must be lowercase.
   */
  getDeveloper(orgName: string, developerRef: string): Developer {
    const org = this.getOrganization(orgName);
    const developer =
      org.dialect === 'edge'
        ? org.developers.find(
            d =>
              d.email.toLowerCase() === developerRef.toLowerCase() ||
              d.developerId === developerRef,
          )
        : org.developers.find(d => d.email === developerRef);
    if (!developer)
      throw apigeeErrors.developerNotFound(developerRef, org.name);
    return developer;
  }

  createDeveloper(orgName: string, input: NewDeveloper): Developer {
    const org = this.getOrganization(orgName);
    if (!input.email || !input.email.includes('@')) {
      throw apigeeErrors.invalidRequest('email must be an e-mail address');
    }
    // X identifies developers by lowercase e-mail only.
    const email = org.dialect === 'x' ? input.email.toLowerCase() : input.email;
    if (
      org.developers.some(d => d.email.toLowerCase() === email.toLowerCase())
    ) {
      throw apigeeErrors.developerExists(email);
    }
    const at = this.#nowMs();
    const developer: Developer = {
      developerId: randomUUID(),
      email,
      firstName: input.firstName ?? '',
      lastName: input.lastName ?? '',
      userName: input.userName ?? email.split('@')[0],
      status: 'active',
      attributes: input.attributes ?? [],
      createdAt: at,
      lastModifiedAt: at,
      apps: [],
    };
    return this.#mutate(org, () => {
      org.developers.push(developer);
      return developer;
    });
  }

  // ------------------------------------------------------------------------ apps

  getApp(
    orgName: string,
    developerRef: string,
    appName: string,
  ): { developer: Developer; app: DeveloperApp } {
    const developer = this.getDeveloper(orgName, developerRef);
    const app = developer.apps.find(a => a.name === appName);
    if (!app) throw apigeeErrors.appNotFound(appName, developerRef);
    return { developer, app };
  }

  /** Creates an app; like Apigee, it always gets one Apigee-generated key. */
  createApp(
    orgName: string,
    developerRef: string,
    input: NewApp,
  ): DeveloperApp {
    const org = this.getOrganization(orgName);
    const developer = this.getDeveloper(orgName, developerRef);
    if (!input.name || !/^[A-Za-z0-9._\- ]{1,255}$/.test(input.name)) {
      throw apigeeErrors.invalidRequest(
        'name must be 1-255 letters, digits, spaces, or . _ -',
        'name',
      );
    }
    if (developer.apps.some(a => a.name === input.name)) {
      throw apigeeErrors.appExists(input.name);
    }
    const products = this.#resolveProducts(org, input.apiProducts ?? []);
    const at = this.#nowMs();
    const keyExpiresIn = input.keyExpiresIn ?? -1;
    const app: DeveloperApp = {
      appId: randomUUID(),
      name: input.name,
      developerId: developer.developerId,
      status: 'approved',
      appFamily: 'default',
      attributes: input.attributes ?? [],
      callbackUrl: input.callbackUrl,
      keyExpiresIn,
      scopes: input.scopes ?? [],
      createdAt: at,
      createdBy: developer.email,
      lastModifiedAt: at,
      lastModifiedBy: developer.email,
      credentials: [this.#generatedKey(org, products, keyExpiresIn, at)],
    };
    return this.#mutate(org, () => {
      developer.apps.push(app);
      return app;
    });
  }

  /**
   * Has Apigee generate a new key for the app. Like the real API, it replaces
   * the app's attributes and callback URL with those in the request.
   */
  generateKey(
    orgName: string,
    developerRef: string,
    appName: string,
    request: GenerateKeyRequest,
  ): DeveloperApp {
    const org = this.getOrganization(orgName);
    const { app } = this.getApp(orgName, developerRef, appName);
    this.#assertRoomForKey(org, app);
    const products = this.#resolveProducts(org, request.apiProducts ?? []);
    const at = this.#nowMs();
    return this.#mutate(org, () => {
      app.credentials.push(
        this.#generatedKey(org, products, request.keyExpiresIn ?? -1, at),
      );
      app.attributes = request.attributes ?? [];
      app.callbackUrl = request.callbackUrl;
      app.lastModifiedAt = at;
      return app;
    });
  }

  /**
   * Deletes an app with all its keys and returns it as it was. The keys drop out of the
   * runtime view too, so the gateway refuses them once the propagation delay has passed.
   */
  deleteApp(
    orgName: string,
    developerRef: string,
    appName: string,
  ): DeveloperApp {
    const org = this.getOrganization(orgName);
    const { developer, app } = this.getApp(orgName, developerRef, appName);
    return this.#mutate(org, () => {
      developer.apps = developer.apps.filter(a => a !== app);
      return app;
    });
  }

  setAppStatus(
    orgName: string,
    developerRef: string,
    appName: string,
    action: 'approve' | 'revoke',
  ): void {
    const org = this.getOrganization(orgName);
    const { app } = this.getApp(orgName, developerRef, appName);
    this.#mutate(org, () => {
      app.status = action === 'approve' ? 'approved' : 'revoked';
      app.lastModifiedAt = this.#nowMs();
    });
  }

  // ------------------------------------------------------------------------ keys

  /**
   * Imports a caller-supplied key (keys/create): always `approved`, with no product
   * associations, unique across the organisation.
   */
  createKey(
    orgName: string,
    developerRef: string,
    appName: string,
    input: NewKey,
  ): AppKey {
    const org = this.getOrganization(orgName);
    const { app } = this.getApp(orgName, developerRef, appName);
    assertValidKeyMaterial('consumerKey', input.consumerKey);
    assertValidKeyMaterial('consumerSecret', input.consumerSecret);
    if (this.#keyExists(org, input.consumerKey)) {
      throw apigeeErrors.consumerKeyExists();
    }
    this.#assertRoomForKey(org, app);
    const key: AppKey = {
      consumerKey: input.consumerKey,
      consumerSecret: input.consumerSecret,
      status: 'approved',
      issuedAt: this.#nowMs(),
      expiresAt: input.expiresAt,
      attributes: input.attributes ?? [],
      scopes: input.scopes ?? [],
      apiProducts: [],
    };
    return this.#mutate(org, () => {
      app.credentials.push(key);
      app.lastModifiedAt = key.issuedAt;
      return key;
    });
  }

  getKey(
    orgName: string,
    developerRef: string,
    appName: string,
    consumerKey: string,
  ): { developer: Developer; app: DeveloperApp; key: AppKey } {
    const { developer, app } = this.getApp(orgName, developerRef, appName);
    const key = app.credentials.find(k => k.consumerKey === consumerKey);
    if (!key) throw apigeeErrors.keyNotFound();
    return { developer, app, key };
  }

  /** Appends products (duplicates ignored) and replaces attributes / scopes when given. */
  updateKey(
    orgName: string,
    developerRef: string,
    appName: string,
    consumerKey: string,
    update: KeyUpdate,
  ): AppKey {
    const org = this.getOrganization(orgName);
    const { key } = this.getKey(orgName, developerRef, appName, consumerKey);
    const products = this.#resolveProducts(org, update.apiProducts ?? []);
    return this.#mutate(org, () => {
      for (const product of products) {
        if (key.apiProducts.some(p => p.apiproduct === product.name)) continue;
        key.apiProducts.push({
          apiproduct: product.name,
          // Manual-approval products wait for an explicit approve.
          status: product.approvalType === 'manual' ? 'pending' : 'approved',
        });
      }
      if (update.attributes) key.attributes = update.attributes;
      if (update.scopes) key.scopes = update.scopes;
      return key;
    });
  }

  deleteKey(
    orgName: string,
    developerRef: string,
    appName: string,
    consumerKey: string,
  ): AppKey {
    const org = this.getOrganization(orgName);
    const { app, key } = this.getKey(
      orgName,
      developerRef,
      appName,
      consumerKey,
    );
    return this.#mutate(org, () => {
      app.credentials = app.credentials.filter(k => k !== key);
      app.lastModifiedAt = this.#nowMs();
      return key;
    });
  }

  setKeyStatus(
    orgName: string,
    developerRef: string,
    appName: string,
    consumerKey: string,
    action: 'approve' | 'revoke',
  ): AppKey {
    const org = this.getOrganization(orgName);
    const { key } = this.getKey(orgName, developerRef, appName, consumerKey);
    return this.#mutate(org, () => {
      key.status = action === 'approve' ? 'approved' : 'revoked';
      return key;
    });
  }

  setKeyProductStatus(
    orgName: string,
    developerRef: string,
    appName: string,
    consumerKey: string,
    productName: string,
    action: 'approve' | 'revoke',
  ): AppKey {
    const org = this.getOrganization(orgName);
    const { key } = this.getKey(orgName, developerRef, appName, consumerKey);
    const association = key.apiProducts.find(p => p.apiproduct === productName);
    if (!association) throw apigeeErrors.keyProductNotFound(productName);
    return this.#mutate(org, () => {
      association.status = action === 'approve' ? 'approved' : 'revoked';
      return key;
    });
  }

  removeKeyProduct(
    orgName: string,
    developerRef: string,
    appName: string,
    consumerKey: string,
    productName: string,
  ): AppKey {
    const org = this.getOrganization(orgName);
    const { key } = this.getKey(orgName, developerRef, appName, consumerKey);
    if (!key.apiProducts.some(p => p.apiproduct === productName)) {
      throw apigeeErrors.productNotOnKey(productName);
    }
    return this.#mutate(org, () => {
      key.apiProducts = key.apiProducts.filter(
        p => p.apiproduct !== productName,
      );
      return key;
    });
  }

  // -------------------------------------------------------------------- products

  listApiProducts(orgName: string): readonly ApiProduct[] {
    return this.getOrganization(orgName).apiProducts;
  }

  // --------------------------------------------------------------------- runtime

  findProxy(orgName: string, path: string): ApiProxy | undefined {
    const org = this.findOrganization(orgName);
    if (!org) return undefined;
    let best: ApiProxy | undefined;
    for (const proxy of org.proxies) {
      const base = proxy.basePath.replace(/\/+$/, '');
      const covers =
        base === '' || path === base || path.startsWith(`${base}/`);
      if (covers && (!best || base.length > best.basePath.length)) best = proxy;
    }
    return best;
  }

  /**
   * The key as the runtime saw it `delayMs` ago: undefined when it did not exist yet (or
   * never did), so a fresh key is rejected and a deleted or revoked one is still honoured
   * until the delay has passed.
   */
  runtimeView(
    orgName: string,
    consumerKey: string,
    delayMs: number,
  ): RuntimeKeyView | undefined {
    const entries = this.#history.get(orgName)?.get(consumerKey);
    if (!entries) return undefined;
    const cutoff = this.#nowMs() - delayMs;
    for (let i = entries.length - 1; i >= 0; i--) {
      if (entries[i].at <= cutoff) return entries[i].view ?? undefined;
    }
    return undefined;
  }

  // --------------------------------------------------------------------- private

  #nowMs(): number {
    return this.#now().getTime();
  }

  #mutate<T>(org: Organization, change: () => T): T {
    const result = change();
    this.#recordRuntime(org, this.#nowMs());
    this.#emitChange();
    return result;
  }

  #emitChange(): void {
    for (const listener of this.#listeners) listener();
  }

  #keyExists(org: Organization, consumerKey: string): boolean {
    return org.developers.some(d =>
      d.apps.some(a => a.credentials.some(k => k.consumerKey === consumerKey)),
    );
  }

  #assertRoomForKey(org: Organization, app: DeveloperApp): void {
    if (app.credentials.length >= org.maxKeysPerApp) {
      throw apigeeErrors.tooManyKeys(app.name, org.maxKeysPerApp);
    }
  }

  #resolveProducts(org: Organization, names: string[]): ApiProduct[] {
    return [...new Set(names)].map(name => {
      const product = org.apiProducts.find(p => p.name === name);
      if (!product) throw apigeeErrors.productNotFound(name, org.name);
      return product;
    });
  }

  #generatedKey(
    org: Organization,
    products: ApiProduct[],
    expiresInMs: number,
    issuedAt: number,
  ): AppKey {
    let consumerKey: string;
    do {
      consumerKey = randomString(org.dialect === 'x' ? 48 : 32);
    } while (this.#keyExists(org, consumerKey));
    return {
      consumerKey,
      consumerSecret: randomString(org.dialect === 'x' ? 64 : 16),
      status: 'approved',
      issuedAt,
      expiresAt: expiresInMs > 0 ? issuedAt + expiresInMs : -1,
      attributes: [],
      scopes: [],
      apiProducts: products.map(p => ({
        apiproduct: p.name,
        status: p.approvalType === 'manual' ? 'pending' : 'approved',
      })),
    };
  }

  #resetHistory(): void {
    this.#history.clear();
    // Existing keys are visible to the runtime from the start.
    for (const org of this.#data.organizations) {
      this.#recordRuntime(org, Number.NEGATIVE_INFINITY);
    }
  }

  /** Appends the current runtime view of every key of the org that changed. */
  #recordRuntime(org: Organization, at: number): void {
    let orgHistory = this.#history.get(org.name);
    if (!orgHistory) {
      orgHistory = new Map();
      this.#history.set(org.name, orgHistory);
    }
    const present = new Set<string>();
    for (const developer of org.developers) {
      for (const app of developer.apps) {
        for (const key of app.credentials) {
          present.add(key.consumerKey);
          // Most keys did not change: check that without building a view (it runs on every
          // change, for every key of the organisation).
          const last = orgHistory.get(key.consumerKey)?.at(-1)?.view;
          if (last && viewIsCurrent(last, developer, app, key)) continue;
          appendHistory(orgHistory, key.consumerKey, {
            at,
            view: {
              org: org.name,
              consumerKey: key.consumerKey,
              consumerSecret: key.consumerSecret,
              status: key.status,
              expiresAt: key.expiresAt,
              apiProducts: key.apiProducts.map(p => ({ ...p })),
              appName: app.name,
              appStatus: app.status,
              developerEmail: developer.email,
              developerStatus: developer.status,
            },
          });
        }
      }
    }
    for (const [consumerKey, entries] of orgHistory) {
      if (!present.has(consumerKey) && entries.at(-1)?.view !== null) {
        appendHistory(orgHistory, consumerKey, { at, view: null });
      }
    }
  }
}

/** Whether a recorded runtime view still shows the key as it is. */
function viewIsCurrent(
  view: RuntimeKeyView,
  developer: Developer,
  app: DeveloperApp,
  key: AppKey,
): boolean {
  return (
    view.consumerSecret === key.consumerSecret &&
    view.status === key.status &&
    view.expiresAt === key.expiresAt &&
    view.appName === app.name &&
    view.appStatus === app.status &&
    view.developerEmail === developer.email &&
    view.developerStatus === developer.status &&
    view.apiProducts.length === key.apiProducts.length &&
    view.apiProducts.every(
      (p, i) =>
        p.apiproduct === key.apiProducts[i].apiproduct &&
        p.status === key.apiProducts[i].status,
    )
  );
}

function appendHistory(
  history: Map<string, RuntimeHistoryEntry[]>,
  consumerKey: string,
  entry: RuntimeHistoryEntry,
): void {
  const entries = history.get(consumerKey) ?? [];
  const last = entries[entries.length - 1];
  if (last && JSON.stringify(last.view) === JSON.stringify(entry.view)) return;
  entries.push(entry);
  if (entries.length > HISTORY_LIMIT)
    entries.splice(0, entries.length - HISTORY_LIMIT);
  history.set(consumerKey, entries);
}

function randomString(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out += GENERATED_KEY_ALPHABET[randomInt(GENERATED_KEY_ALPHABET.length)];
  }
  return out;
}
