import { type Backend, type BackendPlugin, BackendRegistry, namedBackend } from '@capstan/core-constraints';
import { EngineOptions, TaskEngine } from '@capstan/engine';
import { NameGenerator } from '@capstan/naming';
import { registerResourceManager, ResourceLedger } from '@capstan/resource-manager';
import { type DependencyContainer, container as rootContainer } from 'tsyringe';
import { loadBuiltInPlugins } from './backends';
import { type ConfiguredPlugins } from './plugin-set';
import { engineOptionsOf, ledgerOptions, type WireOptions, type Wiring } from './wire';

/**
 * Builds every backend of `backends:`, each in a container of its own (two of one type must not share an instance
 * or its options), under its configured name; the registry holds those names only, so nothing else can be chosen.
 */
export async function registerNamed(container: DependencyContainer, { config, entries }: ConfiguredPlugins, options: WireOptions): Promise<BackendRegistry> {
  const backends: Backend[] = [];
  for (const [name, { type, options: typeOptions }] of Object.entries(config.named ?? {})) {
    const plugin = pluginOf(type, entries.map((entry) => entry.plugin), options.plugins ?? []) ?? (await loadBuiltInPlugins([type]))[0];
    if (plugin === undefined) continue;
    const own = container.createChildContainer();
    await plugin.register(own, typeOptions);
    backends.push(namedBackend(BackendRegistry.fromContainer(own).get(type), name));
  }
  const registry = new BackendRegistry(backends);
  container.registerInstance(BackendRegistry, registry);
  return registry;
}

function pluginOf(type: string, ...lists: (readonly BackendPlugin[])[]): BackendPlugin | undefined {
  return lists.flat().find((plugin) => plugin.name === type);
}

/**
 * An engine over several named backends. Each backend's ledger is made from its capacity when a task first goes to
 * it, so one whose daemon is down fails its own tasks (typed, as its capacity call failed) and holds up no other.
 */
export async function wireNamed(configured: ConfiguredPlugins, options: WireOptions): Promise<Wiring & { container: DependencyContainer }> {
  const { config } = configured;
  const container = rootContainer.createChildContainer();
  const registry = await registerNamed(container, configured, options);
  const backend = registry.get(config.engine.backend);
  for (const name of registry.names) options.accept?.(registry.get(name), registry, config);
  // The engine needs one injected ledger; with a ledger per backend it only relays a drain.
  registerResourceManager(container, { capacity: { cpu: 1, memory: 1, gpu: 0 }, unlimited: true });
  container.registerInstance(NameGenerator, new NameGenerator());
  const names = registry.names;
  container.registerInstance(EngineOptions, {
    ...engineOptionsOf(config, options, backend.name, container),
    routing: { names, rules: config.engine.routes ?? [], defaultBackend: backend.name },
    backendLedger: async (chosen: Backend) => new ResourceLedger(ledgerOptions(chosen, await chosen.capacity(), config)),
  });
  return { engine: container.resolve(TaskEngine), registry, backend, config, selection: [], container };
}
