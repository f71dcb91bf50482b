import { useState } from 'react';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import { ResponseErrorPanel } from '@backstage/core-components';
import type { CredentialStatus } from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { FleetFilters } from './FleetFilters';
import { FleetTable } from './FleetTable';
import { MAX_FLEET_ITEMS, useFleetCredentials } from './useFleetCredentials';

/**
 * The fleet overview for platform teams: every bound credential across the catalog,
 * filtered by status and sortable by age. Shared by both app systems' pages.
 */
export function FleetOverview() {
  const [status, setStatus] = useState<CredentialStatus | undefined>();
  const { value, loading, error } = useFleetCredentials(status);
  return (
    <Box display="flex" flexDirection="column" gridGap={16}>
      <Typography variant="body1">
        Every Apigee credential bound to a catalog entity. Filter for the ones
        that need attention; sort by age to find the oldest keys.
      </Typography>
      <FleetFilters status={status} onChange={setStatus} />
      {error ? <ResponseErrorPanel error={error} /> : null}
      {value?.truncated ? (
        <Typography variant="body2" color="textSecondary">
          Showing the first {MAX_FLEET_ITEMS} credentials. Use a filter to
          narrow the list.
        </Typography>
      ) : null}
      {!error ? (
        <FleetTable credentials={value?.items ?? []} loading={loading} />
      ) : null}
    </Box>
  );
}
