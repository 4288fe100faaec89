import { restoreAndExpectRemoved, SocketProxy, watchAttempt, startLongTask } from '@capstan/backend-test-kit';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { DockerBackend } from './docker-backend';
import { DockerTestRun } from './testing/docker-test-kit';

jest.setTimeout(90_000);
const run$ = promisify(execFile);
/** Two silent pings, one second apart and one second each, end an attempt: a frozen daemon is found in seconds. */
const FAST_LIVENESS = { livenessIntervalSeconds: 1, livenessTimeoutSeconds: 1, livenessFailures: 2 };

describe('DockerBackend when the connection to the daemon is lost (real daemon behind a cuttable socket)', () => {
  const run = new DockerTestRun();
  const direct = new DockerBackend();
  let proxy: SocketProxy;
  let backend: DockerBackend;
  beforeEach(async () => {
    await run.setUp();
    proxy = await SocketProxy.start('/var/run/docker.sock');
    backend = new DockerBackend({ socketPath: proxy.path, graceSeconds: 1 });
  });
  afterEach(async () => {
    await proxy.close();
    await run.tearDown();
  });
  afterAll(async () => expect(await run.leftovers(direct)).toEqual([]));

  it('ends an attempt whose daemon stops answering mid-task as lost, and removes its container once the daemon is back', async () => {
    const task = await startLongTask(run, backend);
    await proxy.cut();
    const { result, events } = await task.outcome;
    const name = task.request.attemptName;
    expect(result).toMatchObject({ endReason: 'lost', exitCode: null, message: expect.stringContaining(`lost the connection to the daemon: the wait of container ${name} failed`) });
    expect(events).toContainEqual({ type: 'warning', message: expect.stringContaining(`could not remove container ${name}`) });
    // The daemon still runs it: nothing can reach it until the socket is back.
    expect(await run.leftovers(direct)).toEqual([name]);
    await restoreAndExpectRemoved(run, direct, proxy);
    expect(backend.client.lost.size).toBe(0);
  });

  it('ends an attempt whose daemon freezes (socket open, no answer) as lost within the liveness bound, and removes its container once it thaws', async () => {
    const frozen = new DockerBackend({ socketPath: proxy.path, graceSeconds: 1, ...FAST_LIVENESS });
    const task = await startLongTask(run, frozen);
    proxy.freeze();
    const frozenAt = Date.now();
    const { result, events } = await task.outcome;
    expect(Date.now() - frozenAt).toBeLessThan(20_000); // 2 x (1 s + 1 s) and slack: the point is "not forever"
    expect(result).toMatchObject({ endReason: 'lost', exitCode: null, message: expect.stringContaining('the daemon did not answer 2 pings in a row') });
    expect(events).toContainEqual({ type: 'warning', message: expect.stringContaining('is removed once the daemon answers again') });
    expect(await run.leftovers(direct)).toEqual([task.request.attemptName]);
    proxy.thaw();
    await restoreAndExpectRemoved(run, direct, proxy);
  });

  it('ends a re-attached container whose daemon freezes as lost, and removes it once it thaws', async () => {
    const stop = new AbortController();
    const task = await startLongTask(run, direct, stop.signal);
    const frozen = new DockerBackend({ socketPath: proxy.path, graceSeconds: 1, ...FAST_LIVENESS });
    const resource = (await frozen.listManaged({ 'io.capstan.managed': 'true' })).find((item) => item.id === task.id);
    if (resource === undefined) throw new Error(`container ${task.id} not listed through the proxy`);
    const taken = frozen.reattach(resource, { stdoutFile: task.request.paths.stdoutFile, stderrFile: task.request.paths.stderrFile }, new AbortController().signal);
    await new Promise((resolve) => setTimeout(resolve, 300)); // the wait is in flight
    proxy.freeze();
    expect(await taken).toMatchObject({ endReason: 'lost', exitCode: null, message: expect.stringContaining('did not answer 2 pings in a row') });
    proxy.thaw();
    // the sweep removes it; the first process's own wait then ends too
    await expect(task.outcome).resolves.toMatchObject({ result: { exitCode: null } });
    await restoreAndExpectRemoved(run, direct, proxy);
  });

  it('re-issues a wait whose connection broke while the daemon still answers, and reports the true exit status', async () => {
    const watch = watchAttempt();
    const request = await run.request(backend, { command: 'echo running; sleep 1; exit 3' });
    const outcome = run.execute(backend, request, undefined, watch.onEvent);
    await watch.started;
    await new Promise((resolve) => setTimeout(resolve, 300)); // the wait is in flight
    const before = proxy.connections;
    proxy.drop();
    const { result } = await outcome;
    expect(result).toMatchObject({ endReason: 'exited', exitCode: 3 });
    expect(proxy.connections).toBeGreaterThan(before); // the calls after the drop went through new connections
    expect(await run.leftovers(direct)).toEqual([]);
  });

  it('completes a cancel asked for while the daemon is unreachable, and removes the container once it is back', async () => {
    const controller = new AbortController();
    const task = await startLongTask(run, backend, controller.signal);
    await proxy.cut();
    controller.abort();
    const { result } = await task.outcome;
    expect(result).toMatchObject({ endReason: 'canceled', exitCode: null, message: expect.stringContaining('daemon was unreachable') });
    await restoreAndExpectRemoved(run, direct, proxy);
  });

  it('ends a container killed from outside (docker kill) as lost, not as the task exiting 137', async () => {
    const task = await startLongTask(run, backend);
    await run$('docker', ['kill', task.id]);
    const { result } = await task.outcome;
    expect(result).toMatchObject({ endReason: 'lost', exitCode: null, message: expect.stringContaining('killed from outside Capstan (signal') });
    expect(result.message).toContain('137');
    expect(await run.leftovers(direct)).toEqual([]);
  });

  it('ends a container removed from outside (docker rm -f) as lost', async () => {
    const task = await startLongTask(run, backend);
    await run$('docker', ['rm', '-f', task.id]);
    expect((await task.outcome).result).toMatchObject({ endReason: 'lost', exitCode: null, message: expect.stringMatching(/(killed|removed) from outside Capstan/) });
  });

  it('keeps a task that kills itself with SIGKILL as its own exit 137 (no kill was asked of the daemon)', async () => {
    const request = await run.request(backend, { command: 'echo running; kill -9 $$' });
    const { result } = await run.execute(backend, request);
    expect(result).toMatchObject({ endReason: 'exited', exitCode: 137 });
    expect(await readFile(request.paths.stdoutFile, 'utf8')).toBe('running\n');
  });
});
