/*
 * A chaos rotation worker in its own process. Started by chaos/run.ts as
 *   node --require @backstage/cli/config/nodeTransform.cjs chaos/worker.ts '<json>'
 * It first resumes rotations abandoned by killed workers, then rotates random bindings
 * `concurrency` at a time, and retires old keys as the scheduled pass does, until it is
 * killed (SIGKILL, at a random moment) or told to stop.
 * Results and events go to stdout and log lines to stderr, as JSON, for the parent's
 * counters and leak scan.
 */
import { ConfigReader, JsonObject } from '@backstage/config';
import knexFactory, { Knex } from 'knex';
import { stderrLogger } from '../src/__testUtils__/stderrLogger';
import { createRotationEngine } from '../src/engine/createRotationEngine';
import { RotationInProgressError } from '../src/engine/failures';
import { CredentialBinding } from '../src/engine/types';

export interface ChaosWorkerArgs {
  configData: JsonObject;
  knexConfig: Knex.Config;
  instanceId: string;
  bindings: CredentialBinding[];
  concurrency: number;
}

const say = (tag: string, value: unknown) =>
  process.stdout.write(`${tag} ${JSON.stringify(value)}\n`);

async function main() {
  const args = JSON.parse(process.argv[2]) as ChaosWorkerArgs;
  const knex = knexFactory(args.knexConfig);
  const engine = await createRotationEngine({
    config: new ConfigReader(args.configData),
    database: { getClient: async () => knex, migrations: { skip: true } },
    logger: stderrLogger({ worker: args.instanceId }),
    instanceId: args.instanceId,
    onEvent: event => say('EVENT', event),
  });
  let stopping = false;
  process.on('SIGTERM', () => {
    stopping = true;
  });

  // Take over what earlier (killed) workers left behind, once their leases expired.
  const resumeLoop = async () => {
    while (!stopping) {
      try {
        for (const record of await engine.resume())
          say('RESUMED', { id: record.id, phase: record.phase });
      } catch (error) {
        say('ERROR', { during: 'resume', message: (error as Error).message });
      }
      await new Promise(r => setTimeout(r, 1000));
    }
  };

  const rotateLoop = async () => {
    while (!stopping) {
      const binding =
        args.bindings[Math.floor(Math.random() * args.bindings.length)];
      try {
        const record = await engine.rotate(binding, { trigger: 'manual' });
        say('RESULT', { id: record.id, phase: record.phase });
      } catch (error) {
        if (!(error instanceof RotationInProgressError)) {
          say('ERROR', { during: 'rotate', message: (error as Error).message });
          await new Promise(r => setTimeout(r, 100));
        }
      }
    }
  };

  // Old keys are retired while rotations run, as on a real deployment's scheduled passes.
  const retireLoop = async () => {
    while (!stopping) {
      try {
        say('RETIRED', await engine.retireOldKeys());
      } catch (error) {
        say('ERROR', { during: 'retire', message: (error as Error).message });
      }
      await new Promise(r => setTimeout(r, 500));
    }
  };

  await Promise.all([
    resumeLoop(),
    retireLoop(),
    ...Array.from({ length: args.concurrency }, rotateLoop),
  ]);
  await engine.drain();
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
