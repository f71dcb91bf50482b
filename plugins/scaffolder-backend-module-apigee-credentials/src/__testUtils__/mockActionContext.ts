import type {
  BackstageCredentials,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { mockCredentials } from '@backstage/backend-test-utils';
import type { JsonObject, JsonValue } from '@backstage/types';
import type { ActionContext } from '@backstage/plugin-scaffolder-node';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * Checkpoints that outlive one run of an action, like the scaffolder's task state does
 * across a task retry. Mirrors the scaffolder (NunjucksWorkflowRunner): a successful
 * checkpoint is stored under its step and key and returned on the next run without calling
 * `fn`; a failed one is not stored, so the next run calls `fn` again.
 */
export class CheckpointStore {
  readonly values = new Map<string, JsonValue>();
  readonly failures = new Map<string, string>();

  async run<T extends JsonValue | void>(
    stepId: string,
    opts: { key: string; fn: () => Promise<T> | T },
  ): Promise<T> {
    const key = `v1.task.checkpoint.${stepId}.${opts.key}`;
    if (this.values.has(key)) {
      return this.values.get(key) as T;
    }
    try {
      const value = await opts.fn();
      this.values.set(key, (value ?? {}) as JsonValue);
      return value;
    } catch (error) {
      this.failures.set(key, String(error));
      throw error;
    }
  }
}

/** A logger that keeps every line, so tests can scan what a task log would show. */
export class CapturingLogger implements LoggerService {
  constructor(readonly lines: string[] = []) {}

  #log(level: string, message: string, meta?: Error | JsonObject | object) {
    let extra = '';
    if (meta instanceof Error) extra = ` ${meta.name}: ${meta.message}`;
    else if (meta) extra = ` ${JSON.stringify(meta)}`;
    this.lines.push(`${level}: ${message}${extra}`);
  }

  error(message: string, meta?: Error | JsonObject): void {
    this.#log('error', message, meta);
  }
  warn(message: string, meta?: Error | JsonObject): void {
    this.#log('warn', message, meta);
  }
  info(message: string, meta?: Error | JsonObject): void {
    this.#log('info', message, meta);
  }
  debug(message: string, meta?: Error | JsonObject): void {
    this.#log('debug', message, meta);
  }
  child(): LoggerService {
    return this;
  }
}

export interface TestActionContextOptions<TInput extends JsonObject> {
  input: TInput;
  isDryRun?: boolean;
  taskId?: string;
  stepId?: string;
  workspacePath?: string;
  checkpoints?: CheckpointStore;
  logger?: CapturingLogger;
  credentials?: BackstageCredentials;
  /** Where the template came from, for actions that read files next to it. */
  templateInfo?: ActionContext<TInput>['templateInfo'];
}

/**
 * A scaffolder action context for unit tests, shaped like the one the scaffolder backend
 * passes to actions, with checkpoints that survive a retry and a log that tests scan.
 * (`createMockActionContext` of `@backstage/plugin-scaffolder-node-test-utils` would be the
 * first choice, but its newest release, 0.3.14, is built against plugin-scaffolder-node
 * 0.13 while this module uses 1.0: adding it would mix scaffolder-node releases.)
 */
export function createTestActionContext<
  TInput extends JsonObject,
  TOutput extends JsonObject = JsonObject,
>(options: TestActionContextOptions<TInput>) {
  const outputs: Record<string, JsonValue> = {};
  const checkpoints = options.checkpoints ?? new CheckpointStore();
  const logger = options.logger ?? new CapturingLogger();
  const stepId = options.stepId ?? 'provision';
  const credentials =
    options.credentials ?? mockCredentials.user('user:default/ada');

  const ctx: ActionContext<TInput, TOutput> = {
    input: options.input,
    logger,
    workspacePath: options.workspacePath ?? '/nonexistent-workspace',
    isDryRun: options.isDryRun,
    task: { id: options.taskId ?? 'task-0001' },
    step: { id: stepId, name: 'Provision' },
    checkpoint: opts => checkpoints.run(stepId, opts),
    output(name, value) {
      outputs[String(name)] = value as JsonValue;
    },
    createTemporaryDirectory: () =>
      fs.mkdtemp(path.join(os.tmpdir(), 'apigee-scaffolder-test-')),
    templateInfo: options.templateInfo,
    getInitiatorCredentials: async () => credentials,
  };
  return { ctx, outputs, logger, checkpoints };
}
