import Box from '@material-ui/core/Box';
import { FleetOverview } from './FleetOverview';

/** The fleet page body in the new frontend system, below the framework's page header. */
export function FleetPageContent() {
  return (
    <Box p={3}>
      <FleetOverview />
    </Box>
  );
}
