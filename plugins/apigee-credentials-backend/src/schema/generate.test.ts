import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const packageDir = resolve(__dirname, '../..');
const models = resolve(
  packageDir,
  '../apigee-credentials-common/src/schema/openapi/generated/models.ts',
);

/** `yarn generate --check`, as a developer runs it; resolves to its exit code and stderr. */
async function check(): Promise<{ code: number; stderr: string }> {
  try {
    await promisify(execFile)(
      process.execPath,
      [
        '--require',
        require.resolve('@backstage/cli/config/nodeTransform.cjs'),
        'src/schema/generate.ts',
        '--check',
      ],
      { cwd: packageDir, timeout: 60_000 },
    );
    return { code: 0, stderr: '' };
  } catch (error: any) {
    return { code: error.code, stderr: String(error.stderr) };
  }
}

describe('files generated from openapi.yaml (the server stub and the shared API types)', () => {
  it('are what the document generates (run `yarn generate` in the backend plugin after changing it)', async () => {
    expect(await check()).toEqual({ code: 0, stderr: '' });
  }, 60_000);

  it('are found stale when a generated type was edited by hand', async () => {
    const original = await readFile(models, 'utf8');
    try {
      await writeFile(
        models,
        original.replace('calls: number;', 'calls: string;'),
      );
      const result = await check();
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        '../apigee-credentials-common/src/schema/openapi/generated/models.ts',
      );
    } finally {
      await writeFile(models, original);
    }
  }, 60_000);

  it('declare every model schema as a public type, with its description', async () => {
    const text = await readFile(models, 'utf8');
    for (const name of [
      'CredentialSummary',
      'CredentialStatus',
      'OldKeySummary',
      'OldKeyState',
      'ProvisionRequest',
      'ProvisionResult',
    ]) {
      expect(text).toMatch(
        new RegExp(`@public\\n \\*/\\nexport (interface|type) ${name}\\b`),
      );
    }
    expect(text).not.toMatch(/export (interface|type) (Error|Root)\b/);
  });
});
