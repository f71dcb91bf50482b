import { useState } from 'react';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import { ResponseErrorPanel } from '@backstage/core-components';
import type { CredentialStatus } from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { FleetFilters, FleetToggleFilters, FleetToggles } from './FleetFilters';
import { FleetTable } from './FleetTable';
import { MAX_FLEET_ITEMS, useFleetCredentials } from './useFleetCredentials';

/**
 * The fleet overview for platform teams: every bound credential across the catalog,
 * filtered by status (and old keys still used, paused schedules) and sortable
 * by age. Shared by both app systems' pages.
 */
export function FleetOverview() {
  const [status, setStatus] = useState<CredentialStatus | undefined>();
  const [toggles, setToggles] = useState<FleetToggles>({
    oldKeyInUse: false,
    paused: false,
  });
  const { value, loading, error } = useFleetCredentials(status, toggles);
  return (
    <Box display="flex" flexDirection="column" gridGap={16}>
      <Typography variant="body1">
        Every Apigee credential bound to a catalog entity. Filter for the ones
        that need attention; sort by age to find the oldest keys.
      </Typography>
      <Box display="flex" flexWrap="wrap" alignItems="center" gridGap={16}>
        <FleetFilters status={status} onChange={setStatus} />
        <FleetToggleFilters toggles={toggles} onChange={setToggles} />
      </Box>
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
