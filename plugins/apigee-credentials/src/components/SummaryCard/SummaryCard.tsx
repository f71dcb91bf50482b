import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import { useEntity, useEntityRefLink } from '@backstage/plugin-catalog-react';
import { isApigeeCredentialsAvailable } from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { useEntityCredentials } from '../../hooks/useEntityCredentials';
import { MissingBindingAnnotation } from '../MissingAnnotation';
import { AgeGauge } from '../shared/AgeGauge';
import { StatusLabel } from '../shared/StatusLabel';
import { CREDENTIAL_STATUS } from '../shared/status';
import { summarizeCredentials } from './summarize';

/** The path of the entity tab, relative to the entity page. */
export const CONTENT_PATH = 'apigee-credentials';

function describeCount(allOk: boolean, worstCount: number, count: number) {
  const credentials = count === 1 ? '1 credential' : `${count} credentials`;
  if (allOk) return `${credentials}, all up to date`;
  return `${worstCount} of ${credentials}`;
}

function CardBody() {
  const { value, loading, error } = useEntityCredentials();
  if (loading && !value) return <Progress />;
  if (error && !value) return <ResponseErrorPanel error={error} />;
  const overview = summarizeCredentials(value ?? []);
  if (!overview.worst) {
    return (
      <Typography variant="body2">
        No credential is known for this entity yet.
      </Typography>
    );
  }
  const status = CREDENTIAL_STATUS[overview.worst];
  return (
    <Box display="flex" flexDirection="column" gridGap={12}>
      <div>
        <Typography variant="overline" component="div">
          Status
        </Typography>
        <StatusLabel
          tone={status.tone}
          label={status.label}
          data-testid="summary-status"
        />
        <Typography variant="body2" color="textSecondary">
          {describeCount(
            overview.worst === 'ok',
            overview.worstCount,
            overview.count,
          )}
        </Typography>
      </div>
      {overview.oldest ? (
        <div data-testid="summary-oldest">
          <Typography variant="overline" component="div">
            Oldest key ({overview.oldest.environment})
          </Typography>
          <AgeGauge
            ageDays={overview.oldest.ageDays}
            maxAgeDays={overview.oldest.maxAgeDays}
            keyName={overview.oldest.environment}
            data-testid="summary-oldest-age"
          />
        </div>
      ) : null}
    </Box>
  );
}

/**
 * The entity overview card: the worst status across the entity's credentials, the
 * oldest key, and a link to the tab.
 */
export function SummaryCard() {
  const { entity } = useEntity();
  const entityLink = useEntityRefLink();
  const available = isApigeeCredentialsAvailable(entity);
  return (
    <InfoCard
      title="Apigee credentials"
      deepLink={
        available
          ? {
              title: 'View credentials',
              link: `${entityLink(entity).replace(/\/$/, '')}/${CONTENT_PATH}`,
            }
          : undefined
      }
    >
      {available ? <CardBody /> : <MissingBindingAnnotation />}
    </InfoCard>
  );
}
