import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { createRouter } from './router';

const spec = parse(
  readFileSync(resolve(__dirname, '../schema/openapi.yaml'), 'utf8'),
);

/** `{ 'get /v1/x/{id}' }` for every route the express router serves. */
async function routerOperations(): Promise<Set<string>> {
  // The routes are declared when the router is built; no dependency is called.
  const router: any = await createRouter({} as any);
  const operations = new Set<string>();
  for (const layer of router.stack) {
    if (!layer.route) continue;
    const path = String(layer.route.path).replace(/:([A-Za-z]+)/g, '{$1}');
    for (const method of Object.keys(layer.route.methods)) {
      operations.add(`${method} ${path}`);
    }
  }
  return operations;
}

describe('openapi.yaml', () => {
  it('documents exactly the routes the router serves', async () => {
    const documented = new Set<string>();
    for (const [path, item] of Object.entries<any>(spec.paths)) {
      for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
        if (item[method]) documented.add(`${method} ${path}`);
      }
    }
    expect([...(await routerOperations())].sort()).toEqual(
      [...documented].sort(),
    );
  });
});
