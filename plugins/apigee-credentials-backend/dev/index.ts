import { createBackend } from '@backstage/backend-defaults';
import { mockServices } from '@backstage/backend-test-utils';

// A minimal backend with just this plugin, for working on it in isolation:
//   yarn start   (in this package), then
//   curl http://localhost:7007/api/apigee-credentials/health
const backend = createBackend();
backend.add(mockServices.auth.factory());
backend.add(mockServices.httpAuth.factory());
backend.add(import('../src'));
backend.start();
