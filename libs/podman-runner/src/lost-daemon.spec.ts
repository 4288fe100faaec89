import { eventually, SocketProxy, watchAttempt } from '@capstan/backend-test-kit';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { PodmanBackend } from './podman-backend';
import { PodmanTestRun, ROOTFUL_SOCKET } from './testing/podman-test-kit';

jest.setTimeout(90_000);
const run$ = promisify(execFile);

describe('PodmanBackend when the connection to the service is lost (real rootful service behind a cuttable socket)', () => {
  const run = new PodmanTestRun();
  const direct = new PodmanBackend({ socketPath: ROOTFUL_SOCKET });
  let proxy: SocketProxy;
  let backend: PodmanBackend;
  beforeEach(async () => {
    await run.setUp();
    proxy = await SocketProxy.start(ROOTFUL_SOCKET);
    backend = new PodmanBackend({ socketPath: proxy.path, graceSeconds: 1 });
  });
  afterEach(async () => {
    await proxy.close();
    await run.tearDown();
  });
  afterAll(async () => expect(await run.leftovers(direct)).toEqual([]));

  it('ends an attempt whose service stops answering mid-task as lost, and removes its container once it is back', async () => {
    const watch = watchAttempt();
    const request = await run.request(backend, { command: 'echo running; sleep 60' });
    const outcome = run.execute(backend, request, undefined, watch.onEvent);
    await watch.started;
    await proxy.cut();
    const { result } = await outcome;
    expect(result).toMatchObject({ endReason: 'lost', exitCode: null, message: expect.stringContaining(`the wait of container ${request.attemptName} failed`) });
    expect(await run.leftovers(direct)).toEqual([request.attemptName]);
    await proxy.restore();
    await eventually(async () => (await run.leftovers(direct)).length === 0, 45_000, 'the lost container removed');
  });

  it('completes a cancel asked for while the service is unreachable', async () => {
    const watch = watchAttempt();
    const controller = new AbortController();
    const request = await run.request(backend, { command: 'echo running; sleep 60' });
    const outcome = run.execute(backend, request, controller.signal, watch.onEvent);
    await watch.started;
    await proxy.cut();
    controller.abort();
    expect((await outcome).result).toMatchObject({ endReason: 'canceled', exitCode: null });
    await proxy.restore();
    await eventually(async () => (await run.leftovers(direct)).length === 0, 45_000, 'the canceled container removed');
  });

  it('ends a container killed from outside (podman kill) as lost, not as the task exiting 137', async () => {
    const watch = watchAttempt();
    const request = await run.request(backend, { command: 'echo running; sleep 60' });
    const outcome = run.execute(backend, request, undefined, watch.onEvent);
    await run$('podman', ['kill', await watch.started]);
    const { result } = await outcome;
    expect(result).toMatchObject({ endReason: 'lost', exitCode: null, message: expect.stringContaining('killed from outside Capstan') });
  });
});
