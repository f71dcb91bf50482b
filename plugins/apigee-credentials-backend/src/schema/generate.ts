/*
 * `yarn generate`: writes the files that the OpenAPI document generates (see
 * generatedFiles.ts). Run it in this package's folder after changing `openapi.yaml`.
 * `yarn generate --check` writes nothing and fails when a file differs from what the
 * document generates (a test runs it: the generator's Prettier cannot load inside Jest).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { generatedFiles } from './generatedFiles';

async function main() {
  const check = process.argv.includes('--check');
  const stale: string[] = [];
  for (const [path, text] of Object.entries(
    await generatedFiles(process.cwd()),
  )) {
    const name = relative(process.cwd(), path);
    if (check) {
      const onDisk = await readFile(path, 'utf8').catch(() => undefined);
      if (onDisk !== text) stale.push(name);
      continue;
    }
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
    console.log(`wrote ${name}`);
  }
  if (stale.length > 0) {
    console.error(
      `Not what src/schema/openapi.yaml generates (run \`yarn generate\` in the backend plugin): ${stale.join(
        ', ',
      )}`,
    );
    process.exit(1);
  }
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
