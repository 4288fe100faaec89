import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { join } from 'node:path';
import { type RunningApi, startApi, stopApi, until } from './testing/api-harness';
import { containerState, countingTask, create, currentLog, FINAL, IMAGE, restartFolder, type TaskView, view } from './testing/restart-harness';

// The restart fault harness, for what a task prints while the server is down: the bundled server on the real engine,
// killed with SIGKILL while its tasks print, started again on the same data folder once they printed more.
jest.setTimeout(300_000);

const where = restartFolder('t10-logs-restart', ['docker', 'podman']);
const { servers } = where;

// Podman refuses short image names by default.
const imageOn = (engine: 'docker' | 'podman'): string => (engine === 'podman' ? `localhost/${IMAGE}` : IMAGE);
const printing = (engine: 'docker' | 'podman', name: string, script: string): unknown => ({ name, executors: [{ image: imageOn(engine), command: ['sh', '-c', script] }] });

describe.each(['docker', 'podman'] as const)('a kill -9 of the TES server while its tasks print (%s)', (engine) => {
  it('keeps in the TES log what an executor printed while the server was down: harvested when it ended, taken over when it still runs', async () => {
    const args = ['--backend', engine, '--data-dir', join(where.folder, `${engine}-data`), '--no-auth', '--allow-root', where.shared];
    const first = await startApi(args);
    servers.push(first);
    const ended = await create(first, printing(engine, 'gap-ended', 'echo before; sleep 3; echo while-down; echo err-while-down >&2; exit 3'));
    const running = await create(first, printing(engine, 'gap-running', 'echo before; sleep 3; echo while-down; sleep 8; echo after'));
    await until(async () => {
      const tails = await Promise.all([ended, running].map(async (id) => currentLog(await view(first, id))?.logs[0]?.stdout));
      return tails.every((tail) => tail === 'before\n') || undefined;
    }, 60_000, 'both executors to print before the kill');

    await stopApi(first, 'SIGKILL');
    // While the server is down, one ends and the other prints on.
    await until(async () => ((await containerState(`tes-${ended}-e0`, engine)) === 'exited' || undefined), 30_000, 'the container to end while the server is down');
    await new Promise((wait) => setTimeout(wait, 1_000));
    expect(await containerState(`tes-${running}-e0`, engine)).toBe('running');

    const second = await startApi(args);
    servers.push(second);
    try {
      const [endedView, runningView] = await until(async () => {
        const all = await Promise.all([ended, running].map((id) => view(second, id)));
        return all.every((task) => FINAL.includes(task.state)) ? (all as [TaskView, TaskView]) : undefined;
      }, 120_000, 'both tasks to end');
      // The true end states, and every line, also the ones printed while nobody watched (each once).
      expect([endedView.state, currentLog(endedView)?.logs.map((log) => log.exit_code)]).toEqual(['EXECUTOR_ERROR', [3]]);
      expect(currentLog(endedView)?.logs[0]).toMatchObject({ stdout: 'before\nwhile-down\n', stderr: 'err-while-down\n' });
      expect([runningView.state, currentLog(runningView)?.logs[0]?.stdout]).toEqual(['COMPLETE', 'before\nwhile-down\nafter\n']);
    } finally {
      await stopApi(second);
    }
  });
});

/** Ends every task of `ids` on `server`; their views, in order. */
async function allEnded(server: RunningApi, ids: readonly string[]): Promise<TaskView[]> {
  return until(async () => {
    const all = await Promise.all(ids.map((id) => view(server, id)));
    return all.every((task) => FINAL.includes(task.state)) ? all : undefined;
  }, 120_000, 'every task to end');
}

/** Starts the server paused (TES_FAULT_PAUSE) at `point`; resolves, once it pauses there, with it killed by SIGKILL. */
async function killAt(point: string, args: readonly string[], body: unknown): Promise<string> {
  const marker = join(where.folder, `paused-at-${point}`);
  const first = await startApi(args, { env: { ...process.env, TES_FAULT_PAUSE: `${point}:${marker}` } });
  servers.push(first);
  const id = await create(first, body);
  await until(async () => ((await readFile(marker, 'utf8').catch(() => '')) === point || undefined), 60_000, `the server to pause at ${point}`);
  await stopApi(first, 'SIGKILL');
  return id;
}

describe('a kill -9 between the end of an executor and the record of its result', () => {
  it('keeps the result of an executor whose end was stored and whose container was not yet removed, and runs it once', async () => {
    const args = ['--backend', 'docker', '--data-dir', join(where.folder, 'docker-data'), '--no-auth', '--allow-root', where.shared];
    const id = await killAt('executor-recorded', args, countingTask(where.shared, 'recorded', { script: 'echo out0' }));
    // The container outlived the kill: its end is stored, it is still there to harvest.
    expect(await containerState(`tes-${id}-e0`)).toBe('exited');
    const second = await startApi(args);
    servers.push(second);
    try {
      const [task] = (await allEnded(second, [id])) as [TaskView];
      expect([task.state, currentLog(task)?.logs.map((log) => [log.exit_code, log.stdout])]).toEqual(['COMPLETE', [[0, 'out0\n'], [0, '']]]);
      expect(await readFile(join(where.shared, 'recorded', 'runs'), 'utf8')).toBe('e0\ne1\n');
      expect(await containerState(`tes-${id}-e0`)).toBeUndefined();
    } finally {
      await stopApi(second);
    }
  });

  it('keeps the result of an executor whose container was removed before the service recorded the result of the engine: its true end, never a rerun', async () => {
    const args = ['--backend', 'docker', '--data-dir', join(where.folder, 'docker-data'), '--no-auth', '--allow-root', where.shared];
    const id = await killAt('executor-removed', args, countingTask(where.shared, 'removed', { script: 'echo out0; exit 5' }));
    expect(await containerState(`tes-${id}-e0`)).toBeUndefined();
    const second = await startApi(args);
    servers.push(second);
    try {
      const [task] = (await allEnded(second, [id])) as [TaskView];
      // Its own failure (exit 5, no ignore_error), not SYSTEM_ERROR "result lost"; the second executor never ran.
      expect([task.state, currentLog(task)?.logs.map((log) => [log.exit_code, log.stdout])]).toEqual(['EXECUTOR_ERROR', [[5, 'out0\n']]]);
      expect(currentLog(task)?.system_logs?.join('\n') ?? '').not.toMatch(/result is lost/);
      expect(await readFile(join(where.shared, 'removed', 'runs'), 'utf8').catch(() => 'not uploaded')).toBe('not uploaded');
    } finally {
      await stopApi(second);
    }
  });
});

/**
 * An object store on loopback that keeps an object only once its whole body came (as S3 does): a cut upload leaves
 * nothing. The first PUT is held without reading its body, so the server dies while it uploads.
 */
class SlowStore {
  readonly complete = new Map<string, number[]>();
  started = 0;
  private held: IncomingMessage | undefined;
  private readonly server: Server = createServer((request, response) => {
    this.started += 1;
    if (this.started === 1) {
      this.held = request; // never read: the upload stalls on a full socket
      return;
    }
    let size = 0;
    request.on('data', (chunk: Buffer) => (size += chunk.length));
    request.on('end', () => {
      if (size === Number(request.headers['content-length'])) this.complete.set(request.url ?? '', [...(this.complete.get(request.url ?? '') ?? []), size]);
      response.writeHead(200).end();
    });
  });

  async listen(): Promise<string> {
    await new Promise<void>((done) => this.server.listen(0, '127.0.0.1', done));
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  get holding(): boolean {
    return this.held !== undefined;
  }

  close(): Promise<void> {
    this.held?.destroy();
    this.server.closeAllConnections();
    return new Promise((done) => this.server.close(() => done()));
  }
}

describe('a kill -9 while outputs upload', () => {
  it('uploads each output exactly once complete after the restart, ends in its true state and never runs the executor again', async () => {
    const store = new SlowStore();
    const base = await store.listen();
    const args = ['--backend', 'docker', '--data-dir', join(where.folder, 'upload-data'), '--no-auth', '--allow-root', where.shared, '--allow-address', '127.0.0.1/32'];
    const first = await startApi(args);
    servers.push(first);
    try {
      const id = await create(first, {
        name: 'upload',
        volumes: ['/v'],
        executors: [{ image: IMAGE, command: ['sh', '-c', 'echo e0 >> /v/runs; yes 0123456789abcdef | head -c 8388608 > /v/big'] }],
        outputs: [
          { path: '/v/big', url: `${base}/bucket/big`, type: 'FILE' },
          { path: '/v/runs', url: `file://${join(where.shared, 'upload', 'runs')}`, type: 'FILE' },
        ],
      });
      await until(() => store.holding || undefined, 60_000, 'the upload to start');
      await stopApi(first, 'SIGKILL');
      expect(store.complete.size).toBe(0);

      const second = await startApi(args);
      servers.push(second);
      try {
        const [task] = (await allEnded(second, [id])) as [TaskView];
        expect([task.state, currentLog(task)?.logs.map((log) => log.exit_code)]).toEqual(['COMPLETE', [0]]);
        // The cut upload left nothing; the one after the restart is whole, and the only complete one.
        expect(Object.fromEntries(store.complete)).toEqual({ '/bucket/big': [8388608] });
        expect(currentLog(task)?.outputs).toEqual(expect.arrayContaining([expect.objectContaining({ url: `${base}/bucket/big`, size_bytes: '8388608' })]));
        expect(await readFile(join(where.shared, 'upload', 'runs'), 'utf8')).toBe('e0\n');
      } finally {
        await stopApi(second);
      }
    } finally {
      await store.close();
    }
  });
});
