import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApps, execFileAsync, type RunningApi, startApi, stopApi, until } from './testing/api-harness';
import { containerState, create, currentLog, FINAL, IMAGE, type TaskView, view } from './testing/restart-harness';

// The restart fault harness, for what a task prints while the server is down: the bundled server on the real engine,
// killed with SIGKILL while its tasks print, started again on the same data folder once they printed more.
jest.setTimeout(300_000);

let folder: string;
let shared: string;
const servers: RunningApi[] = [];

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 't10-logs-restart-'));
  shared = join(folder, 'shared');
  await mkdir(shared, { recursive: true });
  await buildApps();
});

afterAll(async () => {
  // A failed assertion must not leave a server or its containers behind.
  for (const server of servers) await stopApi(server, 'SIGKILL');
  for (const cli of ['docker', 'podman']) {
    const { stdout } = await execFileAsync(cli, ['ps', '-a', '-q', '--filter', `label=io.capstan.holder-folder=${join(folder, `${cli}-data`)}`]);
    for (const id of stdout.split('\n').filter((line) => line !== '')) await execFileAsync(cli, ['rm', '-f', id]);
  }
  await rm(folder, { recursive: true, force: true });
});

// Podman refuses short image names by default.
const imageOn = (engine: 'docker' | 'podman'): string => (engine === 'podman' ? `localhost/${IMAGE}` : IMAGE);
const printing = (engine: 'docker' | 'podman', name: string, script: string): unknown => ({ name, executors: [{ image: imageOn(engine), command: ['sh', '-c', script] }] });

describe.each(['docker', 'podman'] as const)('a kill -9 of the TES server while its tasks print (%s)', (engine) => {
  it('keeps in the TES log what an executor printed while the server was down: harvested when it ended, taken over when it still runs', async () => {
    const args = ['--backend', engine, '--data-dir', join(folder, `${engine}-data`), '--no-auth', '--allow-root', shared];
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
