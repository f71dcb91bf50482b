import { TestDatabaseId } from '@backstage/backend-test-utils';
import {
  ApiKeyDetails,
  DeveloperAppDetails,
  DeveloperAppRef,
  KeyProvider,
  KeyProviderError,
  KeyUsability,
  NewApiKey,
  assessKeyUsability,
} from '@keyrotation/backstage-plugin-apigee-credentials-node';
import { createTestDatabases } from '../__testUtils__/databases';
import { findSecretLeaks } from '../__testUtils__/leaks';
import { TestWorld } from '../__testUtils__/world';

jest.setTimeout(30_000);

/** A company's own developer portal, as a backend module would add it (extension point). */
class PortalKeyProvider implements KeyProvider {
  readonly name = 'portal';
  readonly maxKeysPerApp = 5;
  readonly keys: Array<ApiKeyDetails & { consumerSecret: string }> = [];
  usabilityChecks = 0;

  constructor(initial: { consumerKey: string; consumerSecret: string }) {
    this.keys.push({
      ...initial,
      status: 'approved',
      apiProducts: [{ apiProduct: 'portal-api', status: 'approved' }],
      issuedAt: new Date('2026-01-01T00:00:00Z'),
    });
  }

  async getApp(ref: DeveloperAppRef): Promise<DeveloperAppDetails> {
    if (ref.app !== 'portal-app')
      throw new KeyProviderError('no such app', { kind: 'not-found' });
    return {
      ...ref,
      status: 'approved',
      // The portal's own ownership record, as the plugin's ownership check reads it.
      // The portal records the owner as the developer's entity (portal-*@example.com).
      attributes: {
        'apigee-credentials-owner': `component:default/${
          ref.developer.split('@')[0]
        }`,
      },
      keys: this.keys.map(({ consumerSecret: _secret, ...key }) => ({
        ...key,
        apiProducts: key.apiProducts.map(p => ({ ...p })),
      })),
    };
  }
  async importKey(_ref: DeveloperAppRef, key: NewApiKey): Promise<void> {
    if (this.keys.some(k => k.consumerKey === key.consumerKey)) return;
    this.keys.push({
      ...key,
      status: 'approved',
      apiProducts: [],
      issuedAt: new Date(),
    });
  }
  async addApiProducts(
    _ref: DeveloperAppRef,
    consumerKey: string,
    products: string[],
  ) {
    const key = this.keys.find(k => k.consumerKey === consumerKey)!;
    for (const product of products) {
      if (!key.apiProducts.some(p => p.apiProduct === product)) {
        key.apiProducts.push({ apiProduct: product, status: 'approved' });
      }
    }
  }
  async approveKey() {}
  async approveApiProduct() {}
  async deleteKey(_ref: DeveloperAppRef, consumerKey: string) {
    const index = this.keys.findIndex(k => k.consumerKey === consumerKey);
    if (index >= 0) this.keys.splice(index, 1);
  }
  async checkUsability(
    ref: DeveloperAppRef,
    consumerKey: string,
    expected: string[],
  ): Promise<KeyUsability> {
    this.usabilityChecks += 1;
    const app = await this.getApp(ref);
    return assessKeyUsability(
      app,
      app.keys.find(k => k.consumerKey === consumerKey),
      { expectedApiProducts: expected },
    );
  }
}

const databases = createTestDatabases();
/** Every supported database (SQLite and PostgreSQL), each with its own credential. */
const dbs = databases.eachSupportedId().map(([id]) => ({
  id: id as TestDatabaseId,
  name: `portal-${id.toLowerCase().replace('_', '')}`,
}));
const world = new TestWorld(
  dbs.map(({ name }) => ({
    name,
    flavor: 'edge' as const,
    // The secret uses its own field names (configurable per binding).
    secretValue: {
      apiKey: 'portal-key-0123456789',
      apiSecret: 'portal-secret-0123456789',
      url: 'https://portal',
    },
  })),
);

beforeAll(async () => {
  await world.start();
});
afterAll(async () => {
  await world.stop();
});

it.each(dbs)(
  'rotates through a key provider added by a backend module, with custom secret field names, on $id',
  async ({ id, name }) => {
    const provider = new PortalKeyProvider({
      consumerKey: 'portal-key-0123456789',
      consumerSecret: 'portal-secret-0123456789',
    });
    const knex = await databases.init(id);
    const engine = await world.createEngine({ knex, keyProviders: [provider] });
    const scenario = world.scenario(name);
    const binding = {
      ...scenario.binding,
      provider: 'portal',
      app: 'portal-app',
      fields: { key: 'apiKey', secret: 'apiSecret' },
      probe: undefined,
      // The portal has no analytics: its old keys are retired by time.
      retireOldKeys: 'time' as const,
    };

    const result = await engine.rotate(binding, {
      trigger: 'provision',
      actor: 'scaffolder',
    });

    expect(result).toMatchObject({ phase: 'completed', trigger: 'provision' });
    expect(provider.usabilityChecks).toBe(1);
    const current = world.secretValue(name)!;
    expect(Object.keys(current).sort()).toEqual(['apiKey', 'apiSecret', 'url']);
    expect(current.url).toBe('https://portal');
    const newKey = provider.keys.find(k => k.consumerKey === current.apiKey)!;
    expect(newKey.consumerSecret).toBe(current.apiSecret);
    expect(newKey.apiProducts).toEqual([
      { apiProduct: 'portal-api', status: 'approved' },
    ]);

    await new Promise(r => setTimeout(r, 2100));
    expect(await engine.retireOldKeys()).toMatchObject({ deleted: 1 });
    expect(provider.keys.map(k => k.consumerKey)).toEqual([current.apiKey]);

    const { leaks } = await findSecretLeaks(world, [knex]);
    expect(leaks).toEqual([]);
  },
);

it('refuses a second provider with a name already taken', async () => {
  const [databaseId] = databases.eachSupportedId()[0];
  const knex = await databases.init(databaseId as TestDatabaseId);
  const clash = new PortalKeyProvider({
    consumerKey: 'a'.repeat(20),
    consumerSecret: 'b'.repeat(20),
  });
  Object.defineProperty(clash, 'name', { value: 'edge' });
  await expect(
    world.createEngine({ knex, keyProviders: [clash] }),
  ).rejects.toThrow('Two key providers are named edge');
});
