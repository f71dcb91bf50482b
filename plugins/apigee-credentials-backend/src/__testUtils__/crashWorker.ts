/*
 * A rotation worker in its own process, for crash tests. Started as
 *   node --require @backstage/cli/config/nodeTransform.cjs crashWorker.ts '<json>'
 * it reports every checkpoint on stdout ("CHECKPOINT <name>") and, on reaching the one named
 * in `killAt`, says "HALTED <name>" and stops making progress so that the test can SIGKILL
 * it at exactly that point. Log lines go to stderr as JSON, for the leak scan.
 */
import { ConfigReader, JsonObject } from '@backstage/config';
import knexFactory, { Knex } from 'knex';
import { stderrLogger } from './stderrLogger';
import { createRotationEngine } from '../engine/createRotationEngine';
import { CredentialBinding, RotationTrigger } from '../engine/types';

export interface CrashWorkerArgs {
  mode: 'rotate' | 'resume';
  configData: JsonObject;
  knexConfig: Knex.Config;
  instanceId: string;
  /** rotate: the bindings to rotate, concurrently. */
  bindings?: CredentialBinding[];
  /** rotate: checkpoint at which to halt, per binding id. */
  killAt?: Record<string, string>;
}

async function main() {
  const args = JSON.parse(process.argv[2]) as CrashWorkerArgs;
  const knex = knexFactory(args.knexConfig);
  const engine = await createRotationEngine({
    config: new ConfigReader(args.configData),
    database: { getClient: async () => knex, migrations: { skip: false } },
    logger: stderrLogger(),
    instanceId: args.instanceId,
    // Every rotation runs at once: each halts at its own checkpoint, holding its slot.
    settings: { concurrency: 1000 },
    hooks: {
      async checkpoint(name, rotation) {
        process.stdout.write(`CHECKPOINT ${rotation.bindingId} ${name}\n`);
        if (args.killAt?.[rotation.bindingId] === name) {
          process.stdout.write(`HALTED ${rotation.bindingId} ${name}\n`);
          await new Promise(() => {}); // wait here for SIGKILL
        }
      },
    },
  });
  if (args.mode === 'rotate') {
    // All at once: each rotation halts at its own checkpoint, then one SIGKILL ends them all.
    const trigger: RotationTrigger = 'manual';
    await Promise.all(
      (args.bindings ?? []).map(async binding => {
        const result = await engine.rotate(binding, { trigger });
        process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
      }),
    );
  } else {
    const results = await engine.resume();
    process.stdout.write(`RESUMED ${JSON.stringify(results)}\n`);
  }
  await knex.destroy();
}

main().then(
  () => process.exit(0),
  error => {
    process.stderr.write(
      `${JSON.stringify({
        level: 'fatal',
        message: String(error?.message),
      })}\n`,
    );
    process.exit(1);
  },
);
