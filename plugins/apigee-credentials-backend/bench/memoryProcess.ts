/*
 * One backend for the memory figure, in a fresh process: the rotation engine, binding store
 * and REST router over PostgreSQL, with `count` bindings synced and the fleet overview read
 * once. Prints one JSON line: { rssMb, heapUsedMb } after a full garbage collection.
 * Args: JSON { count, configData }. Run with --expose-gc.
 */
import { AddressInfo } from 'node:net';
import { createBenchDatabase } from './database';
import { createStatusApp, syntheticBindings } from './status';
import {
  benchConfig,
  CountingLogger,
  createBenchEngine,
  seedBindings,
} from './world';

async function main() {
  const { count, configData } = JSON.parse(process.argv[2]);
  const db = await createBenchDatabase(`memory${count}`);
  try {
    const logger = new CountingLogger();
    const config = benchConfig(configData);
    const engine = await createBenchEngine({ config, knex: db.knex, logger });
    await seedBindings(db.knex, engine, syntheticBindings(count));
    const app = await createStatusApp(db.knex, engine, logger, config);
    const server = await new Promise<import('node:http').Server>(done => {
      const s = app.listen(0, '127.0.0.1', () => done(s));
    });
    const port = (server.address() as AddressInfo).port;
    const response = await fetch(`http://127.0.0.1:${port}/v1/credentials`);
    await response.json();
    await new Promise(done => server.close(done));
    const gc = (global as { gc?: () => void }).gc;
    if (!gc) throw new Error('Run with --expose-gc');
    gc();
    await new Promise(done => setTimeout(done, 200));
    gc();
    const usage = process.memoryUsage();
    const rssMb = usage.rss / 1024 / 1024;
    const heapUsedMb = usage.heapUsed / 1024 / 1024;
    process.stdout.write(`${JSON.stringify({ rssMb, heapUsedMb })}\n`);
  } finally {
    await db.drop();
  }
}

main().then(
  () => process.exit(0),
  error => {
    process.stderr.write(`memory bench failed: ${error?.stack ?? error}\n`);
    process.exit(1);
  },
);
