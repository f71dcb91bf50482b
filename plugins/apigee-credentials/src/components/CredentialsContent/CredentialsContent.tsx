import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import { isApigeeCredentialsAvailable } from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { useEntityCredentials } from '../../hooks/useEntityCredentials';
import { CredentialsTable } from '../CredentialsTable';
import { MissingBindingAnnotation } from '../MissingAnnotation';

function EntityCredentials() {
  const { entity, entityRef, value, loading, error, retry } =
    useEntityCredentials();
  // After the first load, keep showing the rows while they refresh.
  if (loading && !value) {
    return <Progress />;
  }
  if (error && !value) {
    return <ResponseErrorPanel error={error} />;
  }
  return (
    <InfoCard
      title="Apigee credentials"
      subheader="Consumer keys rotated into AWS Secrets Manager, one per environment"
    >
      {/* Annotations the backend does not report yet are listed as not checked. */}
      <CredentialsTable
        entity={entity}
        entityRef={entityRef}
        credentials={value ?? []}
        onChanged={retry}
      />
    </InfoCard>
  );
}

/**
 * The "Apigee credentials" entity tab: every credential bound to the entity, with its
 * status, history and a Rotate button; or how to bind one.
 */
export function CredentialsContent() {
  const { entity } = useEntity();
  if (!isApigeeCredentialsAvailable(entity)) {
    return <MissingBindingAnnotation />;
  }
  return <EntityCredentials />;
}
