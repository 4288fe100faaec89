import { readFile } from 'node:fs/promises';
import { DockerBackend } from './docker-backend';
import { DockerTestRun } from './testing/docker-test-kit';

jest.setTimeout(60_000);

describe('DockerBackend stops (real daemon)', () => {
  const run = new DockerTestRun();
  const backend = new DockerBackend({ graceSeconds: 5 });
  beforeEach(() => run.setUp());
  afterEach(() => run.tearDown());
  afterAll(async () => expect(await run.leftovers(backend)).toEqual([]));

  it('ends a task past its timeout with reason timeout, and removes the container', async () => {
    const started = Date.now();
    const { result } = await run.execute(backend, await run.request(backend, { command: 'sleep 30' }, { timeoutMs: 500 }));
    expect(result.endReason).toBe('timeout');
    expect(result.message).toContain('500 ms');
    // SIGTERM reaches the shell through the init process: no need to wait out the 5 s grace period.
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(await run.leftovers(backend)).toEqual([]);
  });

  it('gives the task the grace period to finish after SIGTERM', async () => {
    const request = await run.request(backend, { command: "trap 'echo got TERM; exit 5' TERM; echo ready; while true; do sleep 0.1; done" }, { timeoutMs: 800 });
    const { result } = await run.execute(backend, request);
    expect(result).toMatchObject({ endReason: 'timeout', exitCode: 5 });
    expect(await readFile(request.paths.stdoutFile, 'utf8')).toBe('ready\ngot TERM\n');
  });

  it('kills a task that ignores SIGTERM once the grace period is over', async () => {
    const quick = new DockerBackend({ graceSeconds: 1 });
    const started = Date.now();
    const request = await run.request(quick, { command: "trap '' TERM; while true; do sleep 0.1; done" }, { timeoutMs: 300 });
    const { result } = await run.execute(quick, request);
    expect(result).toMatchObject({ endReason: 'timeout', exitCode: 137 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_200);
  });

  it('stops a canceled task with reason canceled and leaves no container of the run behind', async () => {
    const controller = new AbortController();
    const request = await run.request(backend, { command: 'echo running; sleep 30' });
    const { result } = await run.execute(backend, request, controller.signal, (event) => {
      if (event.type === 'log') controller.abort();
    });
    expect(result.endReason).toBe('canceled');
    expect(await run.leftovers(backend)).toEqual([]);
  });

  it('creates nothing for a request canceled before it starts', async () => {
    const controller = new AbortController();
    controller.abort();
    const { result, events } = await run.execute(backend, await run.request(backend, { command: 'true' }), controller.signal);
    expect(result).toMatchObject({ endReason: 'canceled', exitCode: null });
    expect(events).toEqual([]);
    expect(await run.leftovers(backend)).toEqual([]);
  });

  it('leaves nothing behind when canceled at any moment of the container’s life', async () => {
    const delays = [0, 5, 20, 60, 150];
    const outcomes = await Promise.all(
      delays.map(async (delay) => {
        const controller = new AbortController();
        const request = await run.request(backend, { command: 'sleep 30' });
        setTimeout(() => controller.abort(), delay);
        return (await run.execute(backend, request, controller.signal)).result.endReason;
      }),
    );
    expect(outcomes).toEqual(delays.map(() => 'canceled'));
    expect(await run.leftovers(backend)).toEqual([]);
  });
});
