import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApps, execFileAsync, type RunningApi, stopApi } from './api-harness';

/** Helpers of the restart fault harness: tasks whose uploaded outputs count how often each executor ran. */
export const IMAGE = 'capstan-test/busybox:1';
export const FINAL = ['COMPLETE', 'EXECUTOR_ERROR', 'SYSTEM_ERROR', 'CANCELED', 'PREEMPTED'];

export interface ExecutorLog {
  exit_code: number;
  stdout?: string;
  stderr?: string;
  start_time?: string;
  end_time?: string;
}
export interface TaskView {
  id: string;
  state: string;
  logs?: Array<{ logs: ExecutorLog[]; outputs: Array<{ url: string; size_bytes?: string }>; system_logs?: string[] }>;
}

/** A task of two executors, each appending its name to /v/runs (uploaded to `shared`/<name>/runs). */
export function countingTask(shared: string, name: string, first: { script: string; ignoreError?: boolean }, cpu = 1): unknown {
  return {
    name,
    resources: { cpu_cores: cpu },
    volumes: ['/v'],
    executors: [
      { image: IMAGE, command: ['sh', '-c', `echo e0 >> /v/runs; ${first.script}`], ...(first.ignoreError ? { ignore_error: true } : {}) },
      { image: IMAGE, command: ['sh', '-c', 'echo e1 >> /v/runs'] },
    ],
    outputs: [{ path: '/v/runs', url: `file://${join(shared, name, 'runs')}`, type: 'FILE' }],
  };
}

export async function create(server: RunningApi, body: unknown): Promise<string> {
  const answer = await server.call('/tasks', { body });
  expect(answer).toMatchObject({ status: 200 });
  return (answer.body as { id: string }).id;
}

export async function view(server: RunningApi, id: string): Promise<TaskView> {
  return (await server.call(`/tasks/${id}?view=FULL`)).body as TaskView;
}

/** The current (last) task log of a view. */
export function currentLog(task: TaskView): NonNullable<TaskView['logs']>[number] | undefined {
  return task.logs?.[task.logs.length - 1];
}

/** The state of the container of an executor (`tes-<id>-e<i>`), through the engine's own CLI; undefined when none. */
export async function containerState(taskLabel: string, cli: 'docker' | 'podman' = 'docker'): Promise<string | undefined> {
  // Podman's `{{.State}}` is the human status ("Up 2 seconds"); its JSON has the word Docker's template gives.
  const { stdout } = await execFileAsync(cli, ['ps', '-a', '--filter', `label=io.capstan.task=${taskLabel}`, '--format', cli === 'podman' ? 'json' : '{{.State}}']);
  if (cli === 'docker') return stdout.trim() === '' ? undefined : stdout.trim();
  return (JSON.parse(stdout) as Array<{ State: string }>)[0]?.State;
}

/** A spec's folder (with `shared/`, the allowed root of file:// outputs) and the servers it started. */
export interface RestartFolder {
  folder: string;
  shared: string;
  readonly servers: RunningApi[];
}

/**
 * Makes the folder and builds the bundled apps before the spec; after it, kills every server it started and removes
 * every container held by a data folder inside it (on each engine given), so a failed assertion leaves nothing.
 */
export function restartFolder(prefix: string, engines: ReadonlyArray<'docker' | 'podman'>): RestartFolder {
  const where: RestartFolder = { folder: '', shared: '', servers: [] };
  beforeAll(async () => {
    where.folder = await mkdtemp(join(tmpdir(), `${prefix}-`));
    where.shared = join(where.folder, 'shared');
    await mkdir(where.shared, { recursive: true });
    await buildApps();
  });
  afterAll(async () => {
    for (const server of where.servers) await stopApi(server, 'SIGKILL');
    for (const cli of engines) {
      const { stdout } = await execFileAsync(cli, ['ps', '-a', '-q', '--filter', 'label=io.capstan.holder-folder']);
      for (const id of stdout.split('\n').filter((line) => line !== '')) {
        const { stdout: holder } = await execFileAsync(cli, ['inspect', '--format', '{{index .Config.Labels "io.capstan.holder-folder"}}', id]);
        if (holder.startsWith(where.folder)) await execFileAsync(cli, ['rm', '-f', id]);
      }
    }
    await rm(where.folder, { recursive: true, force: true });
  });
  return where;
}
