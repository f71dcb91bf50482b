import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { JsonObject } from '@backstage/config';

export interface BackendMemory {
  rssMb: number;
  heapUsedMb: number;
}

/** Memory of a fresh backend process with `count` bindings synced, after a full GC. */
export async function measureBackendMemory(
  count: number,
  configData: JsonObject,
): Promise<BackendMemory> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      '--expose-gc',
      '--require',
      '@backstage/cli/config/nodeTransform.cjs',
      resolve(__dirname, 'memoryProcess.ts'),
      JSON.stringify({ count, configData }),
    ],
    { cwd: resolve(__dirname, '..'), maxBuffer: 1024 * 1024 },
  );
  const last = stdout.trim().split('\n').pop()!;
  return JSON.parse(last);
}
