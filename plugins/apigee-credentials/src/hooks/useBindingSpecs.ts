import { useMemo } from 'react';
import type { Entity } from '@backstage/catalog-model';
import {
  BindingValidationError,
  CredentialBindingSpec,
  parseCredentialBindings,
} from '@keyrotation/backstage-plugin-apigee-credentials-common';

/**
 * The binding annotations of the entity, parsed, by environment. Lets the confirmation
 * dialog quote the binding's own grace period and the tab list bindings the backend has
 * not reported yet. Bad annotations are in `errors` (the backend reports them as
 * `misconfigured`).
 */
export function useBindingSpecs(entity: Entity): ReadonlyMap<
  string,
  CredentialBindingSpec
> & {
  errors: BindingValidationError[];
} {
  return useMemo(() => {
    const { bindings, errors } = parseCredentialBindings(entity);
    const map = new Map(
      bindings.map(binding => [binding.environment, binding]),
    );
    return Object.assign(map, { errors });
  }, [entity]);
}
