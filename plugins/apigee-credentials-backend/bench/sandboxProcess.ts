/*
 * The sandbox of one benchmark, in its own process: Apigee and Secrets Manager are remote
 * services, so their CPU time must not be charged to the backend being measured.
 * Prints one JSON line ({ url, configData, bindings }) and runs until its stdin closes.
 */
import { startBenchWorld } from './world';

async function main() {
  const count = Number(process.argv[2] ?? 0);
  const world = await startBenchWorld(count);
  const bindings = [...world.scenarios.values()].map(s => s.binding);
  process.stdout.write(
    `${JSON.stringify({
      url: world.url,
      configData: world.configData(),
      bindings,
    })}\n`,
  );
  process.stdin.resume();
  process.stdin.on('end', () => {
    world.stop().then(() => process.exit(0));
  });
}

main().catch(error => {
  process.stderr.write(`bench sandbox failed: ${error?.stack ?? error}\n`);
  process.exit(1);
});
