import { createBackendPlugin } from '@backstage/backend-plugin-api';
import { startTestBackend } from '@backstage/backend-test-utils';
import { apigeeCredentialsServiceRef } from './apigeeCredentialsServiceRef';
import { DefaultApigeeCredentialsService } from './DefaultApigeeCredentialsService';

describe('apigeeCredentialsServiceRef', () => {
  it('defaults to the HTTP client, built from core services only', async () => {
    let client: unknown;
    await startTestBackend({
      features: [
        createBackendPlugin({
          pluginId: 'consumer',
          register(env) {
            env.registerInit({
              deps: { apigeeCredentials: apigeeCredentialsServiceRef },
              async init({ apigeeCredentials }) {
                client = apigeeCredentials;
              },
            });
          },
        }),
      ],
    });
    expect(client).toBeInstanceOf(DefaultApigeeCredentialsService);
  });
});
