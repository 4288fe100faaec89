import { type Backend, type Resolution, resolveConstraints, type Task, taskWarnings } from '@capstan/core-constraints';
import { type EngineOptions } from '../engine-options';
import { type Route, withRoute } from '../routing/route-task';
import { capabilityWarnings } from './capability-warnings';
import { taskMemoryRetryMultiplier, taskShell, taskTimeoutMs } from './task-options';

/** A task checked and resolved on its backend, with the engine's settings it runs under. */
export interface Prepared {
  readonly resolution: Resolution;
  readonly shell: string;
  readonly timeoutMs: number | undefined;
  /** After an oom end, the next attempt's memory is multiplied by this (1: off). */
  readonly memoryFactor: number;
}

/** Every check `run` makes before it queues a task; `plan` makes the same ones. */
export async function prepareTask(task: Task, backend: Backend, route: Route, options: EngineOptions): Promise<Prepared> {
  const shell = taskShell(task, options.shell);
  const timeoutMs = taskTimeoutMs(task, options.timeoutMs);
  const memoryFactor = taskMemoryRetryMultiplier(task, options.memoryRetryMultiplier ?? 1);
  return { resolution: await withRoute(route, options.routing !== undefined, () => resolve(task, backend, options)), shell, timeoutMs, memoryFactor };
}

async function resolve(task: Task, backend: Backend, options: EngineOptions): Promise<Resolution> {
  const capacity = await backend.capacity();
  const resolution = resolveConstraints(task.requirements, task.hints, capacity, {
    backendName: backend.name,
    cpuLimitBehavior: options.cpuLimitBehavior,
    memoryLimitBehavior: options.memoryLimitBehavior,
    gpuLimitBehavior: options.gpuLimitBehavior,
    defaultContainer: options.defaultContainer,
  });
  const behaviors = { cpu: options.cpuLimitBehavior, memory: options.memoryLimitBehavior };
  return { ...resolution, warnings: [...taskWarnings(task), ...resolution.warnings, ...capabilityWarnings(resolution.constraints, backend.capabilities, backend.name, behaviors)] };
}
