import { useMemo } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { getCompoundEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { apigeeCredentialsApiRef } from '../api/ref';

/**
 * The credentials bound to the entity in context. `retry` reloads them; the previous
 * value stays available while reloading, so rows do not flicker after a rotation.
 */
export function useEntityCredentials() {
  const { entity } = useEntity();
  const api = useApi(apigeeCredentialsApiRef);
  const entityRef = useMemo(() => getCompoundEntityRef(entity), [entity]);
  const state = useAsyncRetry(
    () => api.getEntityCredentials(entityRef),
    [api, entityRef],
  );
  return { entity, entityRef, ...state };
}
