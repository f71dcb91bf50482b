import { useEntity } from '@backstage/plugin-catalog-react';
import { InfoCard } from '@backstage/core-components';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import { APIGEE_CREDENTIALS_ANNOTATION_PREFIX } from '@keyrotation/backstage-plugin-apigee-credentials-common';

/**
 * The entity tab: one row per environment bound to an Apigee credential.
 */
export function CredentialsContent() {
  const { entity } = useEntity();
  const environments = Object.keys(entity.metadata.annotations ?? {})
    .filter(key => key.startsWith(APIGEE_CREDENTIALS_ANNOTATION_PREFIX))
    .map(key => key.slice(APIGEE_CREDENTIALS_ANNOTATION_PREFIX.length))
    .sort();

  return (
    <InfoCard title="Apigee credentials">
      <List dense>
        {environments.map(environment => (
          <ListItem key={environment}>
            <ListItemText primary={environment} secondary="Bound credential" />
          </ListItem>
        ))}
      </List>
    </InfoCard>
  );
}
