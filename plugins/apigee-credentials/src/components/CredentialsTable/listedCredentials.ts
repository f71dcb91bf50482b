import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import type {
  BindingValidationError,
  CredentialBindingSpec,
  CredentialSummary,
} from '@keyrotation/backstage-plugin-apigee-credentials-common';

function secretLabel(spec: CredentialBindingSpec): string {
  return 'arn' in spec.secret ? spec.secret.arn : spec.secret.name;
}

/**
 * The backend's credentials, plus a row for every annotation the backend does not report yet
 * (before its first sync), sorted by environment. `known` is false for the latter.
 */
export function listedCredentials(
  entity: Entity,
  credentials: CredentialSummary[],
  specs: ReadonlyMap<string, CredentialBindingSpec> & {
    errors: BindingValidationError[];
  },
): Array<{ credential: CredentialSummary; known: boolean }> {
  const reported = new Set(credentials.map(c => c.environment));
  const entityRef = stringifyEntityRef(entity);
  const rows = credentials.map(credential => ({ credential, known: true }));
  for (const spec of specs.values()) {
    if (reported.has(spec.environment)) continue;
    rows.push({
      known: false,
      credential: {
        id: spec.environment,
        entityRef,
        environment: spec.environment,
        provider: spec.provider,
        app: spec.app,
        secret: secretLabel(spec),
        status: 'ok',
        pendingDeletions: [],
        oldKeys: [],
        retireOldKeys: 'traffic',
      },
    });
  }
  for (const error of specs.errors) {
    if (reported.has(error.environment)) continue;
    rows.push({
      known: false,
      credential: {
        id: error.environment,
        entityRef,
        environment: error.environment,
        status: 'misconfigured',
        statusReason: error.message,
        pendingDeletions: [],
        oldKeys: [],
        retireOldKeys: 'traffic',
      },
    });
  }
  return rows.sort((a, b) =>
    a.credential.environment.localeCompare(b.credential.environment),
  );
}
