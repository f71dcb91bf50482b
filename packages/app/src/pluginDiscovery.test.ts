import * as legacyEntryPoint from '@keyrotation/backstage-plugin-apigee-credentials';
import apigeeCredentialsPlugin from '@keyrotation/backstage-plugin-apigee-credentials/alpha';

/*
 * `app.packages: all` (app-config.yaml) makes the CLI install the default export of each
 * entry point (".", and "./alpha" when the package exports it) of every frontend-plugin
 * dependency of this package that is a frontend feature. The Apigee credentials plugin
 * must come in exactly once, from "/alpha", and App.tsx must not list it again.
 */
describe('Apigee credentials plugin discovery', () => {
  const appPackage = require('../package.json');
  const pluginPackage = require('@keyrotation/backstage-plugin-apigee-credentials/package.json');

  it('is a frontend-plugin dependency of the app that exports /alpha', () => {
    expect(appPackage.dependencies).toHaveProperty(pluginPackage.name);
    expect(pluginPackage.backstage.role).toBe('frontend-plugin');
    expect(Object.keys(pluginPackage.exports)).toContain('./alpha');
  });

  it('installs the new-frontend-system plugin from /alpha only', () => {
    expect(apigeeCredentialsPlugin.$$type).toBe('@backstage/FrontendPlugin');
    expect(apigeeCredentialsPlugin.pluginId).toBe('apigee-credentials');
    // The main entry point serves legacy apps: no default export, so nothing is
    // discovered from it and the plugin is not installed twice.
    expect(
      (legacyEntryPoint as Record<string, unknown>).default,
    ).toBeUndefined();
  });
});
