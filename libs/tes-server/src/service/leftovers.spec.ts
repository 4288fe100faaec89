import { type Backend, BackendRegistry, type ManagedResource } from '@capstan/core-constraints';
import { type StoredTesTask } from '@capstan/tes-model';
import { findLeftovers } from './leftovers';

const HOLDER = { 'io.capstan.holder-id': 'A1b2C3d4E5f6G7h8' };

/** A backend whose listing honours the label selector, as Docker's does. */
function backendWith(resources: ManagedResource[] | Error, name = 'docker'): Backend {
  return {
    name,
    capabilities: {} as Backend['capabilities'],
    probe: () => Promise.reject(new Error('unused')),
    capacity: () => Promise.reject(new Error('unused')),
    execute: () => Promise.reject(new Error('unused')),
    listManaged: (selector) =>
      resources instanceof Error ? Promise.reject(resources) : Promise.resolve(resources.filter((resource) => Object.entries(selector).every(([key, value]) => resource.labels[key] === value))),
  };
}
const container = (id: string, task: string, labels: Record<string, string> = HOLDER): ManagedResource => ({ id, name: id, state: 'running', labels: { 'io.capstan.managed': 'true', 'io.capstan.task': task, ...labels } });
const task = (id: string) => ({ id, state: 'RUNNING', executors: [], logs: [] }) as unknown as StoredTesTask;
const options = { defaultBackend: 'docker', holderLabels: HOLDER };

describe('findLeftovers', () => {
  it("finds each task's executor containers by index, and calls this folder's other containers strays", async () => {
    const registry = new BackendRegistry([backendWith([container('a', 'tes-T1-e1'), container('b', 'tes-T9-e0'), container('c', 'something-else')])]);
    const { found, strays } = await findLeftovers(registry, [task('T1')], options);
    expect(found.get('T1')?.map((item) => [item.resource.id, item.index])).toEqual([['a', 1]]);
    expect(strays.map((item) => item.resource.id)).toEqual(['b', 'c']);
  });

  it('never adopts a container dressed as a task executor without the holder id (hostile)', async () => {
    const registry = new BackendRegistry([backendWith([container('forged', 'tes-T1-e0', {}), container('other', 'tes-T1-e0', { 'io.capstan.holder-id': 'Zzzzzzzzzzzzzzzz' })])]);
    const { found, strays } = await findLeftovers(registry, [task('T1')], options);
    expect(found.size).toBe(0);
    expect(strays).toEqual([]);
  });

  it('calls nothing a stray without holder labels, and starts without strays when the backend does not answer (fault)', async () => {
    const some = new BackendRegistry([backendWith([container('b', 'tes-T9-e0')])]);
    expect((await findLeftovers(some, [], { defaultBackend: 'docker', holderLabels: {} })).strays).toEqual([]);
    const down = new BackendRegistry([backendWith(new Error('daemon down'))]);
    expect(await findLeftovers(down, [], options)).toEqual({ found: new Map(), strays: [] });
    await expect(findLeftovers(down, [task('T1')], options)).rejects.toThrow('daemon down');
  });

  it('looks for a routed task on the backend routes: sent it to, not only on the default', async () => {
    const registry = new BackendRegistry([backendWith([]), backendWith([container('job-7', 'tes-T1-e0')], 'hpc')]);
    const { found } = await findLeftovers(registry, [task('T1')], options, () => 'hpc');
    expect(found.get('T1')?.map((item) => [item.backend, item.resource.id])).toEqual([['hpc', 'job-7']]);
    // Without the route the job is not found (the restart would run the task again).
    expect((await findLeftovers(registry, [task('T1')], options)).found.size).toBe(0);
  });

  it("never calls the container a batch job's Docker left on this host a stray of the docker backend while its task is unfinished", async () => {
    // The job of T1 runs Docker on the node: the docker backend lists that container with T1's labels.
    const registry = new BackendRegistry([backendWith([container('job-container', 'tes-T1-e0'), container('old', 'tes-T9-e0')]), backendWith([container('job-7', 'tes-T1-e0')], 'hpc')]);
    const { found, strays } = await findLeftovers(registry, [task('T1')], options, () => 'hpc');
    expect(found.get('T1')?.map((item) => item.resource.id)).toEqual(['job-7']);
    expect(strays.map((item) => item.resource.id)).toEqual(['old']);
  });
});
