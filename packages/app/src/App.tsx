import { createApp } from '@backstage/frontend-defaults';
import { navModule } from './modules/nav';
import { signInModule } from './modules/signIn';

// Plugins listed in package.json are discovered through `app.packages: all` in
// app-config.yaml; only app-specific modules are listed here.
export default createApp({
  features: [navModule, signInModule],
});
