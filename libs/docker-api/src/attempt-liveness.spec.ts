import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runAttemptContainer } from './attempt-container';
import { type DockerClient } from './docker-client';

// runAttemptContainer on a stub daemon and a fake clock: which call freezes decides only the message; the attempt
// always ends lost, nothing is asked of the frozen daemon afterwards, and the container is left to the sweep.
const LIVENESS = { intervalMs: 1_000, timeoutMs: 500, failures: 2 };
const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

interface Stub {
  readonly client: DockerClient;
  readonly removed: string[];
  readonly sweep: string[];
  readonly waitSignals: AbortSignal[];
}

/** `early`: Docker's wait asked for before the start (in place at once); else Podman's, asked for after it. */
function stubDaemon(frozenAt: 'create' | 'attach' | 'wait' | 'wait headers' | 'nowhere', early = false, output = new PassThrough()): Stub {
  const removed: string[] = [];
  const sweep: string[] = [];
  const waitSignals: AbortSignal[] = [];
  const frozen = frozenAt !== 'nowhere';
  const client = {
    endpoint: { description: 'unix:///stub/docker.sock' },
    daemon: { name: 'Docker' },
    lost: { removeWhenBack: (key: string) => sweep.push(key) },
    pingOnce: () => (frozen ? never() : Promise.resolve()),
    createContainer: () => (frozenAt === 'create' ? never() : Promise.resolve('c'.repeat(64))),
    attachOutput: () => (frozenAt === 'attach' ? never() : Promise.resolve(output)),
    startContainer: () => Promise.resolve(),
    waitContainer: (_id: string, signal: AbortSignal) => {
      waitSignals.push(signal);
      if (frozenAt === 'wait') return never();
      return new Promise((resolve) => setTimeout(() => resolve(0), 25_000)).then((code) => (output.end(), code));
    },
    waitBeforeStart: (id: string, signal: AbortSignal) => (early ? { registered: frozenAt === 'wait headers' ? never() : Promise.resolve(), exited: client.waitContainer(id, signal) } : undefined),
    inspectContainer: () => Promise.resolve({ running: false, status: 'exited', exitCode: 0, oomKilled: false, error: '' }),
    removeContainer: (id: string) => (removed.push(id), Promise.resolve()),
  };
  return { client: client as unknown as DockerClient, removed, sweep, waitSignals };
}

describe('runAttemptContainer when the daemon freezes (stub daemon, fake clock)', () => {
  let folder: string;
  beforeEach(async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
    folder = await mkdtemp(join(tmpdir(), 'capstan-attempt-liveness-'));
  });
  afterEach(async () => {
    jest.useRealTimers();
    await rm(folder, { recursive: true, force: true });
  });

  function attempt(stub: Stub) {
    return runAttemptContainer({
      client: stub.client,
      spec: { name: 'stub-attempt', Image: 'x', Labels: { 'io.capstan.managed': 'true' } },
      paths: { stdoutFile: join(folder, 'stdout'), stderrFile: join(folder, 'stderr') } as never,
      graceSeconds: 1,
      keepFailedContainers: false,
      signal: new AbortController().signal,
      liveness: LIVENESS,
      emit: () => undefined,
    });
  }

  it.each([
    ['attach', false, 'the attach of container stub-attempt'],
    ['wait', false, 'the wait of container stub-attempt'],
    ['attach', true, 'the attach of container stub-attempt'],
    ['wait', true, 'the wait of container stub-attempt'],
    ['wait headers', true, 'the wait of container stub-attempt'], // the stub answers the start at once
  ] as const)('ends an attempt frozen at its %s (wait before the start: %s) as lost after two silent pings, and leaves the removal to the sweep', async (where, early, message) => {
    const stub = stubDaemon(where, early);
    const outcome = attempt(stub);
    await jest.advanceTimersByTimeAsync(2 * 1_500 - 10);
    let settled = false;
    void outcome.then(() => (settled = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(settled).toBe(false);
    await jest.advanceTimersByTimeAsync(10);
    const result = await outcome;
    expect(result).toMatchObject({ endReason: 'lost', exitCode: null });
    expect(result.message).toContain(message);
    expect(result.message).toContain('did not answer 2 pings in a row');
    expect(stub.removed).toEqual([]);
    expect(stub.sweep).toEqual(['stub-attempt']);
    expect(stub.waitSignals.every((signal) => signal.aborted)).toBe(true);
  });

  it('gives up a create the frozen daemon never answers, as unavailable, and has the sweep look for the container', async () => {
    const stub = stubDaemon('create');
    const outcome = attempt(stub);
    outcome.catch(() => undefined);
    await jest.advanceTimersByTimeAsync(3_000);
    await expect(outcome).rejects.toMatchObject({ code: 'backend.unavailable', message: expect.stringContaining('did not answer 2 pings in a row') });
    expect(stub.sweep).toEqual(['stub-attempt']);
  });

  it.each([false, true])('never ends an attempt whose daemon answers its pings, however long the task runs (wait before the start: %s)', async (early) => {
    const stub = stubDaemon('nowhere', early);
    const outcome = attempt(stub);
    await jest.advanceTimersByTimeAsync(25_000);
    const result = await outcome;
    expect(result).toMatchObject({ endReason: 'exited', exitCode: 0 });
    expect(stub.removed).toEqual(['c'.repeat(64)]);
    expect(stub.sweep).toEqual([]);
  });
});
