import { BackendRegistry, type ExecutionRequest, parseTask, type Task } from '@capstan/core-constraints';
import { NameGenerator } from '@capstan/naming';
import { ResourceLedger } from '@capstan/resource-manager';
import { folderPerTest, until } from '@capstan/support/testing';
import { DEFAULT_ENGINE_OPTIONS } from './engine-options';
import { TaskEngine } from './engine';
import { FakeBackend, untilAborted } from './testing/fake-backend';

const GIB = 1024 ** 3;

function task(name: string, cpu = 4): Task {
  return parseTask({ name, command: 'echo hi', requirements: { container: 'x:1', cpu, memory: '1 GiB' } });
}

/** A backend like Docker's: on the kill signal it stops the task gracefully, waiting its grace period unless stopNow fires. */
function gracefulBackend(graceMs: number): FakeBackend & { cut: boolean[] } {
  const cut: boolean[] = [];
  const backend = new FakeBackend('fake', async (request: ExecutionRequest, signal) => {
    await untilAborted(signal).catch(() => undefined);
    const stopNow = request.stopNow;
    const killedAtOnce = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), graceMs);
      if (stopNow?.aborted) {
        clearTimeout(timer);
        resolve(true);
      }
      stopNow?.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    cut.push(killedAtOnce);
    return { endReason: 'canceled' };
  });
  return Object.assign(backend, { cut });
}

describe('TaskEngine: drain, stop, killNow', () => {
  const workRoot = folderPerTest('support-lib-engine-cancel-');

  function engineWith(backend: FakeBackend) {
    const ledger = new ResourceLedger({ capacity: { cpu: 4, memory: 8 * GIB, gpu: 0 } });
    const engine = new TaskEngine(new BackendRegistry([backend]), ledger, new NameGenerator(), { ...DEFAULT_ENGINE_OPTIONS, backend: backend.name, workRoot: workRoot() });
    return { engine, ledger };
  }

  /** One task holding every CPU, running, and one parked behind it in the queue. */
  async function oneRunningOneParked(backend: FakeBackend) {
    const { engine, ledger } = engineWith(backend);
    const running = engine.run(task('running'));
    await until(() => backend.requests.length === 1);
    const parked = engine.run(task('parked'));
    await until(() => ledger.snapshot().queued === 1);
    return { engine, ledger, running, parked };
  }

  it('drain: parked tasks leave the queue canceled, new ones never start, the running one runs to its end', async () => {
    let finish: () => void = () => undefined;
    const backend = new FakeBackend('fake', () => new Promise((resolve) => (finish = () => resolve({ exitCode: 0 }))));
    const { engine, ledger, running, parked } = await oneRunningOneParked(backend);

    engine.drain();
    engine.drain(); // idempotent: never escalates
    const parkedResult = await parked;
    expect(parkedResult).toMatchObject({ state: 'canceled', attempts: [] });
    expect((await engine.run(task('late', 1))).state).toBe('canceled');
    expect(ledger.snapshot().running).toBe(1);

    finish();
    expect((await running).state).toBe('succeeded');
    expect(backend.requests).toHaveLength(1);
  });

  it('stop: drains and stops running attempts gracefully (the grace period is waited out), however often it is called', async () => {
    const backend = gracefulBackend(50);
    const { engine, ledger, running, parked } = await oneRunningOneParked(backend);

    engine.stop();
    engine.stop();
    expect((await parked).attempts).toHaveLength(0);
    const result = await running;
    expect(result).toMatchObject({ state: 'canceled', endReason: 'canceled' });
    expect(backend.cut).toEqual([false]);
    expect(ledger.snapshot()).toMatchObject({ running: 0, queued: 0, inUse: { cpu: 0, memory: 0, gpu: 0 } });
  });

  it('killNow: cuts the grace period short, also after a stop already began waiting it out', async () => {
    const backend = gracefulBackend(60_000);
    const { engine } = engineWith(backend);
    const first = engine.run(task('first', 2));
    const second = engine.run(task('second', 2));
    await until(() => backend.requests.length === 2);
    engine.stop();
    await new Promise((resolve) => setTimeout(resolve, 20));
    engine.killNow();
    engine.killNow();
    const results = await Promise.all([first, second]);
    expect(results.map((result) => result.state)).toEqual(['canceled', 'canceled']);
    expect(backend.cut).toEqual([true, true]);
  });

  it('killNow alone drains too: nothing starts after it', async () => {
    const backend = new FakeBackend('fake', () => Promise.resolve({ exitCode: 0 }));
    const { engine } = engineWith(backend);
    engine.killNow();
    expect((await engine.run(task('after', 1))).state).toBe('canceled');
    expect(backend.requests).toHaveLength(0);
  });
});
