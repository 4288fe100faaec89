import { MAX_JOB_LIST_CHARS } from '@capstan/job-script';
import { JobMonitor, type JobWatcher } from './job-monitor';
import { type JobRecord } from './job-state';
import { type CommandResult, type RunOptions, SlurmCli, type SlurmCommand } from './slurm-cli';

/** Answers squeue with every asked job RUNNING and records each call's arguments; runs nothing. */
class RecordingCli extends SlurmCli {
  readonly calls: Array<{ command: SlurmCommand; args: readonly string[] }> = [];

  constructor(private readonly failSqueueOf?: string) {
    super(undefined, {});
  }

  override async run(command: SlurmCommand, args: readonly string[], _options?: RunOptions): Promise<CommandResult> {
    this.calls.push({ command, args });
    if (command !== 'squeue') return { code: 0, stdout: '', stderr: '' };
    const ids = (args.find((arg) => arg.startsWith('--jobs='))?.slice('--jobs='.length) ?? '').split(',');
    if (this.failSqueueOf !== undefined && ids.includes(this.failSqueueOf)) return { code: 1, stdout: '', stderr: 'squeue: error: Socket timed out on send/recv operation' };
    return { code: 0, stdout: ids.map((id) => `${id}|RUNNING|0|2026-12-07T10:00:00|N/A|None`).join('\n'), stderr: '' };
  }
}

/** 8-digit ids, as on a cluster that has run for years: 20,000 of them joined are 180,000 characters. */
const ids = Array.from({ length: 20_000 }, (_, index) => String(10_000_000 + index));
const LINUX_MAX_ARG_STRLEN = 131_072;

function follow(monitor: JobMonitor): { updates: Map<string, JobRecord>; failures: Map<string, string> } {
  const updates = new Map<string, JobRecord>();
  const failures = new Map<string, string>();
  for (const id of ids) {
    const watcher: JobWatcher = {
      update: (record) => updates.set(id, record),
      gone: () => undefined,
      pollFailed: (message) => failures.set(id, message),
    };
    monitor.watch(id, watcher);
  }
  return { updates, failures };
}

const until = async (done: () => boolean): Promise<void> => {
  const deadline = Date.now() + 25_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

// Generous: the fake answers 20,000 lines a poll, slow on a loaded 2-core CI machine.
jest.setTimeout(30_000);

describe('JobMonitor with 20,000 jobs', () => {
  it('reads them with a few squeue calls whose --jobs list each stays under the limit of one argument', async () => {
    const cli = new RecordingCli();
    const monitor = new JobMonitor(cli, 50);
    const { updates } = follow(monitor);
    // Closed however the wait ends: a monitor left polling 20,000 jobs every 50 ms would keep jest busy for ever.
    await until(() => updates.size === ids.length).finally(() => monitor.close());
    const squeues = cli.calls.filter((call) => call.command === 'squeue');
    const lists = squeues.map((call) => call.args.find((arg) => arg.startsWith('--jobs=')) ?? '');
    expect(ids.join(',').length).toBeGreaterThan(LINUX_MAX_ARG_STRLEN);
    expect(Math.max(...lists.map((list) => list.length))).toBeLessThanOrEqual(MAX_JOB_LIST_CHARS + '--jobs='.length);
    // One round of polls: three lists, every job in exactly one.
    expect(lists.slice(0, 3).flatMap((list) => list.slice('--jobs='.length).split(','))).toEqual(ids);
    expect(monitor.statistics.mostJobsInOnePoll).toBeLessThan(ids.length);
    expect(updates.get(ids[ids.length - 1] ?? '')?.state).toBe('RUNNING');
  });

  it('a failing list marks only its own jobs unread; the other lists are read', async () => {
    const cli = new RecordingCli(ids[0]);
    const monitor = new JobMonitor(cli, 50);
    const { updates, failures } = follow(monitor);
    await until(() => updates.size > 0 && failures.size > 0).finally(() => monitor.close());
    expect(failures.get(ids[0] ?? '')).toMatch(/Socket timed out/);
    expect(updates.has(ids[0] ?? '')).toBe(false);
    expect(updates.has(ids[ids.length - 1] ?? '')).toBe(true);
    expect(failures.size + updates.size).toBe(ids.length);
  });

  it('cancels them all with scancel calls whose arguments together stay under the limit (one string over SSH)', async () => {
    const cli = new RecordingCli();
    const monitor = new JobMonitor(cli, 60_000);
    await Promise.all(ids.map((id) => monitor.cancel(id, 'KILL')));
    const scancels = cli.calls.filter((call) => call.command === 'scancel');
    expect(scancels.length).toBeGreaterThan(1);
    expect(Math.max(...scancels.map((call) => call.args.join(' ').length))).toBeLessThanOrEqual(MAX_JOB_LIST_CHARS + '--full --signal=KILL '.length);
    expect(scancels.every((call) => call.args[0] === '--full' && call.args[1] === '--signal=KILL')).toBe(true);
    expect(scancels.flatMap((call) => call.args.slice(2))).toEqual(ids);
    expect(monitor.statistics.jobsCanceled).toBe(ids.length);
  });
});
