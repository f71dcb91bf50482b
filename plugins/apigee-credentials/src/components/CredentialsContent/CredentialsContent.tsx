import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import Typography from '@material-ui/core/Typography';
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
      {value && value.length > 0 ? (
        <CredentialsTable
          entity={entity}
          entityRef={entityRef}
          credentials={value}
          onChanged={retry}
        />
      ) : (
        <Typography variant="body2">
          The backend knows no credential of this entity yet. New bindings
          appear after the catalog refreshes the entity.
        </Typography>
      )}
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
