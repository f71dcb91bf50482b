import { ApiBlueprint } from '@backstage/frontend-plugin-api';
import { createExtensionTester } from '@backstage/frontend-test-utils';
import { apigeeCredentialsApiFactory } from './api/factory';
import apigeeCredentialsAlphaPlugin from './alpha';
import * as legacyEntryPoint from './index';

describe('the plugin in both frontend systems', () => {
  it('exports the legacy plugin and its extensions from the main entry point', () => {
    expect(legacyEntryPoint.apigeeCredentialsPlugin.getId()).toBe(
      'apigee-credentials',
    );
    expect(legacyEntryPoint.EntityApigeeCredentialsContent).toBeDefined();
    expect(legacyEntryPoint.EntityApigeeCredentialsCard).toBeDefined();
    expect(legacyEntryPoint.ApigeeCredentialsFleetPage).toBeDefined();
    expect(legacyEntryPoint.apigeeCredentialsApiRef.id).toBe(
      'plugin.apigee-credentials.service',
    );
    expect(typeof legacyEntryPoint.isApigeeCredentialsAvailable).toBe(
      'function',
    );
    // No default export: `app.packages: all` discovers the plugin from /alpha only.
    expect(
      (legacyEntryPoint as Record<string, unknown>).default,
    ).toBeUndefined();
  });

  it('installs the one API factory in both systems', () => {
    expect([...legacyEntryPoint.apigeeCredentialsPlugin.getApis()]).toEqual([
      apigeeCredentialsApiFactory,
    ]);
    const apiExtension = apigeeCredentialsAlphaPlugin.getExtension(
      'api:apigee-credentials',
    );
    expect(
      createExtensionTester(apiExtension).get(ApiBlueprint.dataRefs.factory),
    ).toBe(apigeeCredentialsApiFactory);
  });

  it('offers an entity tab, an entity card and a fleet page in the new frontend system', () => {
    const ids = [
      'entity-content:apigee-credentials',
      'entity-card:apigee-credentials/summary',
      'page:apigee-credentials',
    ] as const;
    for (const id of ids) {
      expect(apigeeCredentialsAlphaPlugin.getExtension(id)).toBeDefined();
    }
  });
});
