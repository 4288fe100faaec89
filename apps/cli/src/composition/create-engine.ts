import { BackendRegistry, type LimitBehavior } from '@capstan/core-constraints';
import { DEFAULT_ENGINE_OPTIONS, EngineOptions, TaskEngine } from '@capstan/engine';
import { registerLocalBackend } from '@capstan/local-runner';
import { NameGenerator } from '@capstan/naming';
import { registerResourceManager } from '@capstan/resource-manager';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';

export interface EngineSettings {
  readonly backend: string;
  readonly workRoot?: string;
  readonly defaultContainer?: string;
  readonly cpuLimitBehavior?: LimitBehavior;
  readonly memoryLimitBehavior?: LimitBehavior;
  readonly gpuLimitBehavior?: LimitBehavior;
}

/** Every backend this CLI ships, each by its own registration function. */
export function registerBackends(container: DependencyContainer): void {
  registerLocalBackend(container);
}

/**
 * Wires one engine: the backends, a registry over them, a resource ledger sized from the chosen backend's
 * capacity, names, and the options.
 */
export async function createEngine(settings: EngineSettings): Promise<TaskEngine> {
  const container = rootContainer.createChildContainer();
  registerBackends(container);
  const registry = BackendRegistry.fromContainer(container);
  container.registerInstance(BackendRegistry, registry);
  const backend = registry.get(settings.backend);
  const capacity = await backend.capacity();
  registerResourceManager(container, {
    capacity: capacity.total,
    perTaskMax: capacity.perTaskMax,
    unlimited: backend.capabilities.schedulesItself,
  });
  container.registerInstance(NameGenerator, new NameGenerator());
  const options: EngineOptions = {
    ...DEFAULT_ENGINE_OPTIONS,
    backend: backend.name,
    workRoot: settings.workRoot ?? join(tmpdir(), 'capstan-runs'),
    ...(settings.defaultContainer === undefined ? {} : { defaultContainer: settings.defaultContainer }),
    ...(settings.cpuLimitBehavior === undefined ? {} : { cpuLimitBehavior: settings.cpuLimitBehavior }),
    ...(settings.memoryLimitBehavior === undefined ? {} : { memoryLimitBehavior: settings.memoryLimitBehavior }),
    ...(settings.gpuLimitBehavior === undefined ? {} : { gpuLimitBehavior: settings.gpuLimitBehavior }),
  };
  container.registerInstance(EngineOptions, options);
  return container.resolve(TaskEngine);
}
