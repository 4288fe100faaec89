import { type BackendRegistry, type ManagedResource } from '@capstan/core-constraints';
import { CapstanLabel, MANAGED_VALUE } from '@capstan/support';
import { type StoredTesTask } from '@capstan/tes-model';
import { executorIndexOf } from './executor-task';
import { type Leftover } from './restart-plan';
import { type TesServiceOptions } from './tes-service-options';

/**
 * The containers (or jobs) of these tasks' executors that their backends still know, by task id: one listing per
 * backend, however many tasks. Only this data folder's (its holder labels): another server's containers, or ones
 * made to look like this server's tasks without its holder id, are never adopted. This folder's containers that
 * belong to no unfinished task (on any backend) are `strays` of an earlier process, for the process holding the
 * folder's lock to remove (none without holder labels: then nothing tells this server's containers from others').
 */
export async function findLeftovers(
  registry: BackendRegistry,
  tasks: readonly StoredTesTask[],
  options: Pick<TesServiceOptions, 'defaultBackend' | 'holderLabels'>,
  /** Where each task's executors went (its backend parameter, else the engine's routes); by default its parameter. */
  backendOf: (task: StoredTesTask) => string = (task) => task.resources?.backend_parameters?.['backend'] ?? options.defaultBackend,
): Promise<{ found: Map<string, Leftover[]>; strays: Leftover[] }> {
  const found = new Map<string, Leftover[]>();
  const strays: Leftover[] = [];
  for (const backendName of new Set([options.defaultBackend, ...tasks.map(backendOf)])) {
    const backend = registry.get(backendName);
    if (backend.listManaged === undefined) continue;
    const mineToRun = tasks.filter((task) => backendOf(task) === backendName);
    // Strays alone are not worth refusing to start over: a backend that does not answer is looked at next time.
    const resources = await backend.listManaged({ [CapstanLabel.Managed]: MANAGED_VALUE, ...options.holderLabels }).catch((error: unknown) => {
      if (mineToRun.length > 0) throw error;
      return [];
    });
    const claimed = new Set<ManagedResource>();
    for (const task of mineToRun) {
      const mine = resources.flatMap((resource) => {
        const index = executorIndexOf(task.id, resource.labels[CapstanLabel.Task] ?? '');
        return index === undefined ? [] : [{ backend: backendName, resource, index }];
      });
      mine.forEach((item) => claimed.add(item.resource));
      if (mine.length > 0) found.set(task.id, mine);
    }
    if (Object.keys(options.holderLabels).length === 0) continue;
    // A resource of an unfinished task is never a stray, on whichever backend it shows: a batch or Slurm job running
    // Docker on this host leaves a container with its labels, which the docker backend lists too.
    const ofSomeTask = (resource: ManagedResource): boolean => tasks.some((task) => executorIndexOf(task.id, resource.labels[CapstanLabel.Task] ?? '') !== undefined);
    for (const resource of resources) if (!claimed.has(resource) && !ofSomeTask(resource)) strays.push({ backend: backendName, resource, index: -1 });
  }
  return { found, strays };
}
