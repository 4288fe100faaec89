import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelChannel } from '../runs/cancel-channel';
import { LocalSource } from './local-source';
import { type TopTask } from './top-view';

const TIME = new Date().toISOString();
const task = { name: 't', uniqueName: 't-1', backend: 'local', state: 'running', attempt: 1, submittedAt: TIME, attemptStartedAt: TIME, endedAt: null, exitCode: null, endReason: null, usage: { time: TIME, cpuPercent: 50, memoryBytes: 4096 } };

let base: string;
let child: ChildProcess | undefined;
let source: LocalSource | undefined;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'capstan-top-local-'));
});

afterEach(async () => {
  await source?.close();
  child?.kill('SIGKILL');
  await rm(base, { recursive: true, force: true });
});

/** A live "capstan run" stand-in (a sleep leading its own process group, or this process), registered with a run of one task. */
async function registeredRun(own?: number): Promise<{ registry: string; attempt: string; pid: number }> {
  child = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
  const pid = own ?? (child.pid as number);
  const registry = join(base, 'processes');
  const runFolder = join(base, 'run');
  const attempt = join(runFolder, 't-1', 'attempts', '1');
  await mkdir(registry, { recursive: true, mode: 0o700 });
  await mkdir(attempt, { recursive: true });
  await writeFile(join(registry, `${pid}.json`), JSON.stringify({ version: 1, pid, processStartedAt: null, runId: 'aaaaaaaaaaaa', runFolder }));
  await writeFile(join(runFolder, 'run.json'), JSON.stringify({ version: 1, runId: 'aaaaaaaaaaaa', startedAt: TIME, endedAt: null, host: 'h', pid, processStartedAt: null, taskCount: 1, tasks: [task] }));
  return { registry, attempt, pid };
}

async function firstTasks(local: LocalSource): Promise<readonly TopTask[]> {
  await new Promise<void>((resolve) => local.start(resolve));
  return local.snapshot().tasks;
}

describe('LocalSource', () => {
  it("shows a live run's task with its usage reading and last output line", async () => {
    const { registry, attempt } = await registeredRun();
    await writeFile(join(attempt, 'stdout'), 'one\ntwo\n');
    source = new LocalSource(50, registry);
    expect(await firstTasks(source)).toEqual([expect.objectContaining({ name: 't-1', state: 'running', group: 'running', cpuPercent: 50, memoryBytes: 4096, lastLine: 'two' })]);
    expect(await source.logTail((source.snapshot().tasks[0] as TopTask).key, 10)).toEqual(['one', 'two']);
  });

  it('hostile: a stdout swapped for a link out of the task folder is refused, never read', async () => {
    const { registry, attempt } = await registeredRun();
    await writeFile(join(base, 'secret'), 'SECRET\n');
    await symlink(join(base, 'secret'), join(attempt, 'stdout'));
    source = new LocalSource(50, registry);
    const [shown] = await firstTasks(source);
    expect(shown?.lastLine).toMatch(/^\(attempts\/1\/stdout not read: /);
    expect(JSON.stringify(await source.logTail(shown?.key ?? '', 10))).not.toContain('SECRET');
  });

  it("cancel: asks the run, through its cancel channel, to cancel that task alone, and shows the run's answer", async () => {
    const { registry } = await registeredRun(process.pid);
    const asked: string[] = [];
    const channel = await CancelChannel.open(registry, (name) => {
      asked.push(name);
      return `canceling task ${name}`;
    });
    try {
      source = new LocalSource(50, registry);
      const [shown] = await firstTasks(source);
      expect(await source.cancel(shown?.key ?? '')).toBe('canceling task t-1');
      expect(asked).toEqual(['t-1']);
      expect(await source.cancel('gone/t-9')).toBe('that task is gone');
    } finally {
      await channel.close();
    }
  });

  it('hostile: a run without a channel of this user\'s is refused, and never signaled', async () => {
    const { registry, pid } = await registeredRun();
    source = new LocalSource(50, registry);
    const [shown] = await firstTasks(source);
    await expect(source.cancel(shown?.key ?? '')).rejects.toThrow(`capstan run ${pid} has no cancel channel of this user's`);
    // A regular file planted where the socket would be is not connected to either.
    await writeFile(join(registry, `${pid}.sock`), '');
    await expect(source.cancel(shown?.key ?? '')).rejects.toThrow('(not a socket)');
    expect(child?.exitCode).toBeNull();
    expect(child?.signalCode).toBeNull();
  });

  it('fault: a run.json that is not one shows no task and no problem; a registry that is a file is a problem, not a crash', async () => {
    const { registry } = await registeredRun();
    await writeFile(join(base, 'run', 'run.json'), '{not json');
    source = new LocalSource(50, registry);
    expect(await firstTasks(source)).toEqual([]);
    await source.close();
    const file = join(base, 'not-a-folder');
    await writeFile(file, '');
    source = new LocalSource(50, file);
    await firstTasks(source);
    expect(source.snapshot().problem).toMatch(/^could not read the live runs \(.*\); retrying$/);
  });
});
