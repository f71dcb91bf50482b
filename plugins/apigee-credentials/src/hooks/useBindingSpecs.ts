import { useMemo } from 'react';
import type { Entity } from '@backstage/catalog-model';
import {
  CredentialBindingSpec,
  parseCredentialBindings,
} from '@keyrotation/backstage-plugin-apigee-credentials-common';

/**
 * The binding annotations of the entity, parsed, by environment. Lets the confirmation
 * dialog quote the binding's own grace period; bad annotations are simply left out (the
 * backend reports them as `misconfigured`).
 */
export function useBindingSpecs(
  entity: Entity,
): ReadonlyMap<string, CredentialBindingSpec> {
  return useMemo(() => {
    const { bindings } = parseCredentialBindings(entity);
    return new Map(bindings.map(binding => [binding.environment, binding]));
  }, [entity]);
}
