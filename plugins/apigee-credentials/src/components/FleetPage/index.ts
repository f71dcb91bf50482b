export { FleetOverview } from './FleetOverview';
export { FleetPageContent } from './FleetPageContent';
export { LegacyFleetPage } from './LegacyFleetPage';
