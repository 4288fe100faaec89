import { restoreAndExpectRemoved, SocketProxy, startLongTask } from '@capstan/backend-test-kit';
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
    const task = await startLongTask(run, backend);
    await proxy.cut();
    const { result } = await task.outcome;
    expect(result).toMatchObject({ endReason: 'lost', exitCode: null, message: expect.stringContaining(`the wait of container ${task.request.attemptName} failed`) });
    expect(await run.leftovers(direct)).toEqual([task.request.attemptName]);
    await restoreAndExpectRemoved(run, direct, proxy);
  });

  it('completes a cancel asked for while the service is unreachable', async () => {
    const controller = new AbortController();
    const task = await startLongTask(run, backend, controller.signal);
    await proxy.cut();
    controller.abort();
    expect((await task.outcome).result).toMatchObject({ endReason: 'canceled', exitCode: null });
    await restoreAndExpectRemoved(run, direct, proxy);
  });

  it('ends a container killed from outside (podman kill) as lost, not as the task exiting 137', async () => {
    const task = await startLongTask(run, backend);
    await run$('podman', ['kill', task.id]);
    expect((await task.outcome).result).toMatchObject({ endReason: 'lost', exitCode: null, message: expect.stringContaining('killed from outside Capstan') });
  });
});
