import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { JsonObject } from '@backstage/config';
import { CredentialBinding } from '../src/engine/types';

const PACKAGE_DIR = resolve(__dirname, '..');

export interface SandboxCounters {
  calls: Record<string, number>;
  perSecond: Record<string, Record<string, number>>;
}

/** A sandbox running in a child process, driven through its control API (`/_sandbox`). */
export interface RemoteSandbox {
  url: string;
  /** Process id of the sandbox, for its CPU time. */
  pid: number;
  /** Root config pointing the plugin at this sandbox (TestWorld.configData). */
  configData: JsonObject;
  bindings: CredentialBinding[];
  addFault(rule: JsonObject): Promise<void>;
  clearFaults(): Promise<void>;
  resetCounters(): Promise<void>;
  counters(): Promise<SandboxCounters>;
  /** Sum of the calls, optionally of one service (`apigee`, `secretsmanager`, `gateway`). */
  callCount(service?: string): Promise<number>;
  stop(): Promise<void>;
}

export async function startRemoteSandbox(
  credentials: number,
): Promise<RemoteSandbox> {
  const child = spawn(
    process.execPath,
    [
      '--require',
      '@backstage/cli/config/nodeTransform.cjs',
      resolve(__dirname, 'sandboxProcess.ts'),
      String(credentials),
    ],
    { cwd: PACKAGE_DIR, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>(done => child.on('exit', () => done()));
  const first = await new Promise<string>((done, fail) => {
    let buffer = '';
    child.stdout!.on('data', chunk => {
      buffer += chunk.toString();
      const end = buffer.indexOf('\n');
      if (end >= 0) done(buffer.slice(0, end));
    });
    child.on('exit', code =>
      fail(new Error(`The bench sandbox exited early (code ${code})`)),
    );
  });
  const { url, configData, bindings } = JSON.parse(first);
  const control = async (path: string, init?: RequestInit) => {
    const response = await fetch(`${url}/_sandbox${path}`, {
      ...init,
      headers: { 'content-type': 'application/json' },
    });
    if (!response.ok) {
      throw new Error(
        `Sandbox control ${path} answered ${
          response.status
        }: ${await response.text()}`,
      );
    }
    return response.status === 204 ? undefined : response.json();
  };
  const counters = async () => (await control('/counters')) as SandboxCounters;
  return {
    url,
    pid: child.pid!,
    configData,
    bindings,
    addFault: async rule => {
      await control('/faults', { method: 'POST', body: JSON.stringify(rule) });
    },
    clearFaults: async () => {
      await control('/faults', { method: 'DELETE' });
    },
    resetCounters: async () => {
      await control('/counters', { method: 'DELETE' });
    },
    counters,
    callCount: async service =>
      Object.entries((await counters()).calls)
        .filter(([key]) => !service || key.startsWith(`${service}.`))
        .reduce((total, [, n]) => total + n, 0),
    stop: async () => {
      child.stdin!.end();
      await exited;
    },
  };
}
