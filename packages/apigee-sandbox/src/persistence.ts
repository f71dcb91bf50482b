import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { ApigeeStateData } from './apigee/types';
import { SecretsManagerStoreJson } from './secretsmanager';

const FORMAT = 'apigee-sandbox-state';

/** What a persistence file holds: the whole state of both emulations, secret values included. */
export interface PersistedSandboxState {
  format: typeof FORMAT;
  version: 1;
  savedAt: string;
  apigee: ApigeeStateData;
  secretsManager: SecretsManagerStoreJson;
}

/** Reads a persistence file; undefined when it does not exist yet. */
export function readPersistedState(
  path: string,
): PersistedSandboxState | undefined {
  if (!existsSync(path)) return undefined;
  let parsed: Partial<PersistedSandboxState>;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(
      `Cannot read the sandbox state file ${path}: ${
        (error as Error).message
      }. Delete it to start from the seed.`,
    );
  }
  if (parsed?.format !== FORMAT || parsed.version !== 1) {
    throw new Error(
      `${path} is not an apigee-sandbox state file (format ${FORMAT}, version 1). Delete it to start from the seed.`,
    );
  }
  return parsed as PersistedSandboxState;
}

/**
 * Saves state to a file after changes, debounced, and atomically (write a temporary file,
 * then rename) so that a crash never leaves a half-written file.
 */
export class StatePersister {
  readonly #path: string;
  readonly #snapshot: () => Omit<
    PersistedSandboxState,
    'format' | 'version' | 'savedAt'
  >;
  readonly #debounceMs: number;
  readonly #onError: (error: Error) => void;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();

  constructor(options: {
    path: string;
    snapshot: () => Omit<
      PersistedSandboxState,
      'format' | 'version' | 'savedAt'
    >;
    debounceMs?: number;
    onError?: (error: Error) => void;
  }) {
    this.#path = options.path;
    this.#snapshot = options.snapshot;
    this.#debounceMs = options.debounceMs ?? 50;
    this.#onError = options.onError ?? (() => {});
  }

  /** Schedules a save; several changes in quick succession give one write. */
  schedule(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#enqueueWrite();
    }, this.#debounceMs);
  }

  /** Writes now (cancelling a scheduled save) and waits for every pending write. */
  async flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#enqueueWrite();
    await this.#writing;
  }

  #enqueueWrite(): void {
    // Snapshot now, write in order: a slow write never overtakes a newer one.
    const state: PersistedSandboxState = {
      format: FORMAT,
      version: 1,
      savedAt: new Date().toISOString(),
      ...this.#snapshot(),
    };
    this.#writing = this.#writing.then(() =>
      writeAtomically(this.#path, `${JSON.stringify(state, null, 2)}\n`).catch(
        (error: Error) => this.#onError(error),
      ),
    );
  }
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString(
    'hex',
  )}.tmp`;
  try {
    // Owner-only: the file holds consumer secrets and secret values.
    await writeFile(temporary, text, { mode: 0o600 });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
