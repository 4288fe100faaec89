import { type BackendCapacity } from '../constraints/constraints';
import { type Backend, type BackendCapabilities, type ExecutionResult } from './backend';
import { BackendRegistry } from './backend-registry';
import { namedBackend } from './named-backend';

class CountingBackend implements Backend {
  readonly name = 'docker';
  readonly capabilities = { runsContainers: true } as BackendCapabilities;
  #calls = 0;
  async probe() {
    this.#calls += 1;
    return { available: true, problems: [], details: { calls: this.#calls } };
  }
  async capacity(): Promise<BackendCapacity> {
    throw new Error('the daemon does not answer');
  }
  async execute(): Promise<ExecutionResult> {
    const now = new Date();
    return { exitCode: 0, endReason: 'exited', startedAt: now, endedAt: now };
  }
}

describe('namedBackend', () => {
  it('gives a backend another name and keeps the rest its own, private state included', async () => {
    const inner = new CountingBackend();
    const box = namedBackend(inner, 'box');
    expect(box.name).toBe('box');
    expect(inner.name).toBe('docker');
    expect(box.capabilities).toBe(inner.capabilities);
    expect((await box.probe()).details).toEqual({ calls: 1 });
    expect((await inner.probe()).details).toEqual({ calls: 2 });
    await expect(box.capacity()).rejects.toThrow('the daemon does not answer');
    expect(box.listManaged).toBeUndefined();
  });

  it('lets two names of one type live in one registry, and refuses one name twice', () => {
    const registry = new BackendRegistry([namedBackend(new CountingBackend(), 'a'), namedBackend(new CountingBackend(), 'b')]);
    expect(registry.names).toEqual(['a', 'b']);
    expect(() => new BackendRegistry([namedBackend(new CountingBackend(), 'a'), namedBackend(new CountingBackend(), 'a')])).toThrow('two backends are registered under the name "a"');
  });
});
