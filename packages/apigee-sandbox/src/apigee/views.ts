import {
  ApiProduct,
  ApigeeDialect,
  AppKey,
  Developer,
  DeveloperApp,
} from './types';

/** Edge writes timestamps as JSON numbers, X writes int64 fields as strings. */
function int64(dialect: ApigeeDialect, value: number): number | string {
  return dialect === 'x' ? String(value) : value;
}

/**
 * A key as the management API returns it. The Edge keys/create response omits
 * `expiresAt`, hence `omitExpiresAt`.
 */
export function keyView(
  dialect: ApigeeDialect,
  key: AppKey,
  options?: { omitExpiresAt?: boolean },
): Record<string, unknown> {
  const view: Record<string, unknown> = {
    apiProducts: key.apiProducts.map(p => ({ ...p })),
    attributes: key.attributes.map(a => ({ ...a })),
    consumerKey: key.consumerKey,
    consumerSecret: key.consumerSecret,
    expiresAt: int64(dialect, key.expiresAt),
    issuedAt: int64(dialect, key.issuedAt),
    scopes: [...key.scopes],
    status: key.status,
  };
  if (options?.omitExpiresAt) delete view.expiresAt;
  return view;
}

export function appView(
  dialect: ApigeeDialect,
  app: DeveloperApp,
): Record<string, unknown> {
  const view: Record<string, unknown> = {
    appFamily: app.appFamily,
    appId: app.appId,
    attributes: app.attributes.map(a => ({ ...a })),
    createdAt: int64(dialect, app.createdAt),
    credentials: app.credentials.map(k => keyView(dialect, k)),
    developerId: app.developerId,
    keyExpiresIn: int64(dialect, app.keyExpiresIn),
    lastModifiedAt: int64(dialect, app.lastModifiedAt),
    name: app.name,
    scopes: [...app.scopes],
    status: app.status,
  };
  if (app.callbackUrl !== undefined) view.callbackUrl = app.callbackUrl;
  if (dialect === 'edge') {
    view.createdBy = app.createdBy;
    view.lastModifiedBy = app.lastModifiedBy;
    view.accessType = 'read';
  }
  return view;
}

/**
 * The app list: Edge answers names, or `{app:[…]}` with
 * `expand=true`; X always answers `{app:[…]}`, with only ids unless expanded.
 */
export function appListView(
  dialect: ApigeeDialect,
  apps: readonly DeveloperApp[],
  expand: boolean,
): unknown {
  if (expand) return { app: apps.map(a => appView(dialect, a)) };
  if (dialect === 'edge') return apps.map(a => a.name);
  return { app: apps.map(a => ({ appId: a.appId })) };
}

export function developerView(
  dialect: ApigeeDialect,
  developer: Developer,
): Record<string, unknown> {
  return {
    apps: developer.apps.map(a => a.name),
    attributes: developer.attributes.map(a => ({ ...a })),
    createdAt: int64(dialect, developer.createdAt),
    developerId: developer.developerId,
    email: developer.email,
    firstName: developer.firstName,
    lastModifiedAt: int64(dialect, developer.lastModifiedAt),
    lastName: developer.lastName,
    status: developer.status,
    userName: developer.userName,
  };
}

export function developerListView(
  dialect: ApigeeDialect,
  developers: readonly Developer[],
  expand: boolean,
): unknown {
  if (dialect === 'edge' && !expand) return developers.map(d => d.email);
  if (expand) {
    return { developer: developers.map(d => developerView(dialect, d)) };
  }
  return { developer: developers.map(d => ({ email: d.email })) };
}

export function apiProductView(
  dialect: ApigeeDialect,
  product: ApiProduct,
): Record<string, unknown> {
  return {
    approvalType: product.approvalType,
    createdAt: int64(dialect, product.createdAt),
    displayName: product.displayName,
    name: product.name,
  };
}
