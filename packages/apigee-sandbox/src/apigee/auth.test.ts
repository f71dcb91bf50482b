import { SignJWT, decodeJwt, exportSPKI, generateKeyPair } from 'jose';
import { SandboxSeed } from '../seed/schema';
import {
  EDGE_ADMIN,
  EDGE_MFA_ADMIN,
  basicAuth,
  call,
  manualClock,
  useSandbox,
} from '../testing/helpers';

const EDGE_CLIENT = basicAuth('edgecli', 'edgeclisecret');
const SA_EMAIL = 'rotator@acme-x.iam.gserviceaccount.com';
const OTHER_SA_EMAIL = 'other@acme-y.iam.gserviceaccount.com';

function form(fields: Record<string, string>): RequestInit {
  return {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  };
}

describe('Edge SSO tokens', () => {
  const clock = manualClock();
  const sandbox = useSandbox(() => ({ now: clock.now }));
  const tokenUrl = () => `${sandbox().url}/oauth/token`;
  const appUrl = () =>
    `${
      sandbox().url
    }/v1/organizations/acme-edge/developers/orders-team@example.com/apps/orders-service`;
  const passwordGrant = (
    fields: Record<string, string>,
    client = EDGE_CLIENT,
  ) => {
    const init = form({ grant_type: 'password', ...fields });
    return call(tokenUrl(), {
      ...init,
      headers: { ...(init.headers as object), Authorization: client },
    });
  };

  beforeEach(() => sandbox().reset());

  it('issues an expiring JWT bearer token for the password grant', async () => {
    const res = await passwordGrant({
      username: EDGE_ADMIN.username,
      password: EDGE_ADMIN.password,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      token_type: 'bearer',
      expires_in: 1799,
      access_token: expect.any(String),
      refresh_token: expect.any(String),
    });
    const claims = decodeJwt(res.body.access_token);
    expect(claims.exp! - claims.iat!).toBe(1799);
    expect(claims.user_name).toBe(EDGE_ADMIN.username);
    const app = await call(appUrl(), {
      headers: { Authorization: `Bearer ${res.body.access_token}` },
    });
    expect(app.status).toBe(200);
  });

  it('answers 401 once the access token expired, and the refresh grant issues a new one', async () => {
    const tokens = (
      await passwordGrant({
        username: EDGE_ADMIN.username,
        password: EDGE_ADMIN.password,
      })
    ).body;
    clock.advance(1799 * 1000);
    const expired = await call(appUrl(), {
      headers: { Authorization: `Bearer ${tokens.access_token}` },
    });
    expect(expired.status).toBe(401);
    expect(expired.body.message).toMatch(/expired/);

    const refreshInit = form({
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
    });
    const refreshed = await call(tokenUrl(), {
      ...refreshInit,
      headers: {
        ...(refreshInit.headers as object),
        Authorization: EDGE_CLIENT,
      },
    });
    expect(refreshed.status).toBe(200);
    const app = await call(appUrl(), {
      headers: { Authorization: `Bearer ${refreshed.body.access_token}` },
    });
    expect(app.status).toBe(200);
    // An access token is no refresh token.
    const misuse = await call(tokenUrl(), {
      ...form({
        grant_type: 'refresh_token',
        refresh_token: refreshed.body.access_token,
      }),
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Authorization: EDGE_CLIENT,
      },
    });
    expect(misuse.status).toBe(401);
  });

  it('uses the configured token lifetime, changeable at run time', async () => {
    const put = await call(`${sandbox().url}/_sandbox/config`, {
      method: 'PUT',
      json: { tokenLifetimeSeconds: 60 },
    });
    expect(put.status).toBe(200);
    const res = await passwordGrant({
      username: EDGE_ADMIN.username,
      password: EDGE_ADMIN.password,
    });
    expect(res.body.expires_in).toBe(60);
    clock.advance(59_000);
    const stillValid = await call(appUrl(), {
      headers: { Authorization: `Bearer ${res.body.access_token}` },
    });
    expect(stillValid.status).toBe(200);
    clock.advance(1_000);
    const expired = await call(appUrl(), {
      headers: { Authorization: `Bearer ${res.body.access_token}` },
    });
    expect(expired.status).toBe(401);
  });

  it('requires the edgecli client header', async () => {
    const wrongClient = await passwordGrant(
      { username: EDGE_ADMIN.username, password: EDGE_ADMIN.password },
      basicAuth('someone', 'else'),
    );
    expect(wrongClient.status).toBe(401);
    expect(wrongClient.body.error).toBe('invalid_client');
  });

  it('rejects bad passwords and unknown grant types', async () => {
    const bad = await passwordGrant({
      username: EDGE_ADMIN.username,
      password: 'nope',
    });
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual({
      error: 'unauthorized',
      error_description: 'Bad credentials',
    });
    const grant = await call(tokenUrl(), {
      ...form({ grant_type: 'client_credentials' }),
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Authorization: EDGE_CLIENT,
      },
    });
    expect(grant.status).toBe(400);
    expect(grant.body.error).toBe('unsupported_grant_type');
  });

  it('enforces mfa_token for users with MFA', async () => {
    const base = {
      username: EDGE_MFA_ADMIN.username,
      password: EDGE_MFA_ADMIN.password,
    };
    const missing = await passwordGrant(base);
    expect(missing.status).toBe(401);
    expect(missing.body.error_description).toMatch(/mfa_token is required/);
    const wrong = await passwordGrant({ ...base, mfa_token: '000000' });
    expect(wrong.status).toBe(401);
    const right = await passwordGrant({
      ...base,
      mfa_token: EDGE_MFA_ADMIN.mfaCode,
    });
    expect(right.status).toBe(200);
  });

  it('renders token-endpoint faults', async () => {
    sandbox().faults.addRule({
      id: 'token-down',
      service: 'apigee',
      operation: 'token',
      failNext: 1,
    });
    const res = await passwordGrant({
      username: EDGE_ADMIN.username,
      password: EDGE_ADMIN.password,
    });
    expect(res.status).toBe(503);
  });
});

describe('Edge bearer tokens and organization membership', () => {
  const sandbox = useSandbox(() => ({
    seed: {
      apigee: {
        organizations: [
          {
            name: 'org-a',
            dialect: 'edge',
            users: [{ username: 'a@example.com', password: 'pw-a' }],
          },
          {
            name: 'org-b',
            dialect: 'edge',
            users: [{ username: 'b@example.com', password: 'pw-b' }],
          },
        ],
      },
    },
  }));

  it('answers 403 when the token user is not a member of the organization', async () => {
    const token = await call(`${sandbox().url}/oauth/token`, {
      ...form({
        grant_type: 'password',
        username: 'a@example.com',
        password: 'pw-a',
      }),
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Authorization: EDGE_CLIENT,
      },
    });
    const auth = { Authorization: `Bearer ${token.body.access_token}` };
    expect(
      (await call(`${sandbox().url}/v1/o/org-a/developers`, { headers: auth }))
        .status,
    ).toBe(200);
    const other = await call(`${sandbox().url}/v1/o/org-b/developers`, {
      headers: auth,
    });
    expect(other.status).toBe(403);
    const basicElsewhere = await call(
      `${sandbox().url}/v1/o/org-b/developers`,
      {
        headers: { Authorization: basicAuth('a@example.com', 'pw-a') },
      },
    );
    expect(basicElsewhere.status).toBe(401);
  });
});

describe('Google JWT-bearer grant for Apigee X service accounts', () => {
  const clock = manualClock();
  let keys: Awaited<ReturnType<typeof generateKeyPair>>;
  let otherKeys: Awaited<ReturnType<typeof generateKeyPair>>;

  const spki = { one: '', two: '' };
  // Registered before useSandbox, so the keys exist when the seed is built.
  beforeAll(async () => {
    keys = await generateKeyPair('RS256', { extractable: true });
    otherKeys = await generateKeyPair('RS256', { extractable: true });
    spki.one = await exportSPKI(keys.publicKey);
    spki.two = await exportSPKI(otherKeys.publicKey);
  });

  const sandbox = useSandbox(() => {
    const seed: SandboxSeed = {
      apigee: {
        organizations: [
          {
            name: 'x-one',
            dialect: 'x',
            serviceAccounts: [{ email: SA_EMAIL, publicKeyPem: spki.one }],
          },
          {
            name: 'x-two',
            dialect: 'x',
            serviceAccounts: [
              { email: OTHER_SA_EMAIL, publicKeyPem: spki.two },
            ],
          },
        ],
      },
    };
    return { seed, now: clock.now };
  });

  const assertion = (
    overrides: {
      iss?: string;
      scope?: string;
      aud?: string;
      lifetime?: number;
    } = {},
    signWith = keys.privateKey,
  ) => {
    const iat = Math.floor(clock.ms() / 1000);
    return new SignJWT({
      scope:
        overrides.scope ?? 'https://www.googleapis.com/auth/cloud-platform',
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .setIssuer(overrides.iss ?? SA_EMAIL)
      .setAudience(overrides.aud ?? 'https://oauth2.googleapis.com/token')
      .setIssuedAt(iat)
      .setExpirationTime(iat + (overrides.lifetime ?? 3600))
      .sign(signWith);
  };
  const grant = async (jwt: string) =>
    call(
      `${sandbox().url}/token`,
      form({
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        assertion: jwt,
      }),
    );

  it('exchanges a signed assertion for a bearer token usable on the org', async () => {
    const res = await grant(await assertion());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      access_token: expect.stringMatching(/^ya29\./),
      expires_in: 3600,
      token_type: 'Bearer',
    });
    const auth = { Authorization: `Bearer ${res.body.access_token}` };
    expect(
      (
        await call(`${sandbox().url}/v1/organizations/x-one/developers`, {
          headers: auth,
        })
      ).status,
    ).toBe(200);
    const other = await call(
      `${sandbox().url}/v1/organizations/x-two/developers`,
      {
        headers: auth,
      },
    );
    expect(other.status).toBe(403);
    expect(other.body.error.status).toBe('PERMISSION_DENIED');
    clock.advance(3600 * 1000);
    const expired = await call(
      `${sandbox().url}/v1/organizations/x-one/developers`,
      {
        headers: auth,
      },
    );
    expect(expired.status).toBe(401);
    expect(expired.body.error.status).toBe('UNAUTHENTICATED');
  });

  it('accepts the sandbox URL as audience', async () => {
    const res = await grant(await assertion({ aud: `${sandbox().url}/token` }));
    expect(res.status).toBe(200);
  });

  it('rejects a wrong signature, an unknown account, a missing scope and a too-long assertion', async () => {
    const wrongKey = await grant(await assertion({}, otherKeys.privateKey));
    expect(wrongKey.status).toBe(400);
    expect(wrongKey.body.error).toBe('invalid_grant');
    const unknown = await grant(
      await assertion({ iss: 'ghost@x.iam.gserviceaccount.com' }),
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body.error_description).toMatch(/Unknown service account/);
    const scope = await grant(await assertion({ scope: 'openid' }));
    expect(scope.status).toBe(400);
    expect(scope.body.error).toBe('invalid_scope');
    const long = await grant(await assertion({ lifetime: 7200 }));
    expect(long.status).toBe(400);
    const aud = await grant(
      await assertion({ aud: 'https://example.com/token' }),
    );
    expect(aud.status).toBe(400);
    const wrongGrant = await call(
      `${sandbox().url}/token`,
      form({ grant_type: 'password', assertion: 'x' }),
    );
    expect(wrongGrant.body.error).toBe('unsupported_grant_type');
  });
});
