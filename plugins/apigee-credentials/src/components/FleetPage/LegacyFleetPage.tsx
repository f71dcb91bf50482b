import { Content, Header, Page } from '@backstage/core-components';
import { FleetOverview } from './FleetOverview';

/**
 * The fleet page for legacy apps, which draw their own page header. The new frontend
 * system draws the header itself and renders {@link FleetOverview} directly.
 */
export function LegacyFleetPage() {
  return (
    <Page themeId="tool">
      <Header
        title="Apigee credentials"
        subtitle="Rotation status of every bound credential"
      />
      <Content>
        <FleetOverview />
      </Content>
    </Page>
  );
}
