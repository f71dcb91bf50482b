import { createApp } from '@backstage/frontend-defaults';
import { navModule } from './modules/nav';
import { signInModule } from './modules/signIn';

// Plugins listed in package.json are discovered through `app.packages: all` in
// app-config.yaml; only app-specific modules are listed here. That includes the Apigee
// credentials plugin: its `/alpha` default export (entity tab, entity card, fleet page
// and sidebar item) is discovered, so listing it here would install it twice.
export default createApp({
  features: [navModule, signInModule],
});
