// Composing Capstan with a custom backend: register it beside (or instead of) Capstan's own, let the configuration
// choose, and run a task through the engine. Run from the repository root:
//   node tools/run-ts.mjs examples/custom-backend/run-with-nice.ts
import 'reflect-metadata';
import { BackendRegistry, loadTaskFile } from '@capstan/core-constraints';
import { DEFAULT_ENGINE_OPTIONS, EngineOptions, loadConfig, TaskEngine } from '@capstan/engine';
import { registerLocalBackend } from '@capstan/local-runner';
import { NameGenerator } from '@capstan/naming';
import { registerResourceManager } from '@capstan/resource-manager';
import { join } from 'node:path';
import { container as root } from 'tsyringe';
import { type NiceBackendOptions, niceBackendOptionsSchema, registerNiceBackend } from './nice-backend';

async function main(): Promise<void> {
  const here = join(process.cwd(), 'examples', 'custom-backend');
  const config = await loadConfig({ sections: { nice: niceBackendOptionsSchema }, file: join(here, 'capstan.yaml'), cwd: here });
  const container = root.createChildContainer();
  registerLocalBackend(container);
  registerNiceBackend(container, config.backends['nice'] as NiceBackendOptions);
  const registry = BackendRegistry.fromContainer(container);
  container.registerInstance(BackendRegistry, registry);
  const backend = registry.get(config.engine.backend);
  const capacity = await backend.capacity();
  registerResourceManager(container, { capacity: capacity.total, perTaskMax: capacity.perTaskMax });
  container.registerInstance(NameGenerator, new NameGenerator());
  container.registerInstance(EngineOptions, { ...DEFAULT_ENGINE_OPTIONS, backend: backend.name, workRoot: config.engine.workRoot, shell: 'sh' });
  const engine = container.resolve(TaskEngine);
  const task = await loadTaskFile(join(here, 'niceness.yaml'));
  const result = await engine.run(task);
  console.log(`${result.taskName} on the ${result.backend} backend: ${result.state}, exit ${result.exitCode}`);
  console.log(`stdout in ${join(result.folder, 'attempts', '1', 'stdout')}`);
  engine.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
