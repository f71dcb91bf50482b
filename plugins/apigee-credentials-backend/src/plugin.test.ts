import { startTestBackend } from '@backstage/backend-test-utils';
import request from 'supertest';
import { apigeeCredentialsPlugin } from './plugin';

describe('apigeeCredentialsPlugin', () => {
  it('starts and answers its health route without credentials', async () => {
    const { server } = await startTestBackend({
      features: [apigeeCredentialsPlugin],
    });

    const res = await request(server).get('/api/apigee-credentials/health');

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });
});
