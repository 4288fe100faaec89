// Composing Capstan with a custom backend: hand the plugin to wire() beside Capstan's own, let the configuration
// choose it (capstan.yaml: `backend: nice` and a `nice:` section), and run a task through the engine. Run from the
// repository root:
//   node tools/run-ts.mjs examples/custom-backend/run-with-nice.ts
import 'reflect-metadata';
import { loadTaskFile } from '@capstan/core-constraints';
import { wire } from '@capstan/wiring';
import { join } from 'node:path';
import { plugin } from './nice-backend';

async function main(): Promise<void> {
  const here = join(process.cwd(), 'examples', 'custom-backend');
  const { engine } = await wire({ configFile: join(here, 'capstan.yaml'), plugins: [plugin] });
  try {
    const result = await engine.run(await loadTaskFile(join(here, 'niceness.yaml')));
    console.log(`${result.taskName} on the ${result.backend} backend: ${result.state}, exit ${result.exitCode}`);
    console.log(`stdout in ${join(result.folder, 'attempts', '1', 'stdout')}`);
  } finally {
    engine.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
