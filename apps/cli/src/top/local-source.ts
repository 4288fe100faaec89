import { readTaskFileTail } from '@capstan/task-files';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { attemptsOf } from '../runs/task-log';
import { requestCancel } from '../runs/cancel-channel';
import { liveProcesses, type ProcessEntry, registryFolder } from '../runs/process-registry';
import { readRunRecord } from '../runs/run-list';
import { type TaskRecord } from '../runs/run-record';
import { lastLine, tailLines } from './terminal-text';
import { describe, type TopSource } from './top-source';
import { type StateGroup, type TopTask } from './top-view';

/** Bytes read from the end of a task's stdout or stderr for its last line or its log tail. */
const TAIL_BYTES = 16 * 1024;
/** A reading older than this is not shown as the task's current CPU and memory. */
const STALE_MS = 30_000;

const GROUPS: Readonly<Record<TaskRecord['state'], StateGroup>> = { queued: 'queued', running: 'running', succeeded: 'succeeded', failed: 'failed', canceled: 'canceled', error: 'failed' };

interface Found {
  readonly entry: ProcessEntry;
  readonly task: TaskRecord;
}

/**
 * The tasks of this host's live `capstan run` processes: the ps registry, each run's run.json (states and the last
 * usage reading) and its attempt folders (output tails, read through task-files: a task's link or FIFO is refused).
 */
export class LocalSource implements TopSource {
  readonly label = 'capstan run processes on this host';
  private tasks = new Map<string, Found>();
  private shown: TopTask[] = [];
  private problem: string | undefined;
  private readonly stopping = new AbortController();
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly intervalMs = 1_000,
    private readonly registry?: string,
  ) {}

  start(changed: () => void): void {
    this.loop = (async () => {
      while (!this.stopping.signal.aborted) {
        try {
          await this.refresh();
          this.problem = undefined;
        } catch (error) {
          this.problem = `could not read the live runs (${describe(error)}); retrying`;
        }
        changed();
        await sleep(this.intervalMs, undefined, { signal: this.stopping.signal }).catch(() => undefined);
      }
    })();
  }

  snapshot(): { tasks: readonly TopTask[]; problem?: string } {
    return { tasks: this.shown, ...(this.problem === undefined ? {} : { problem: this.problem }) };
  }

  async logTail(key: string, lines: number): Promise<string[]> {
    const found = this.tasks.get(key);
    if (found === undefined) return [];
    const folder = join(found.entry.runFolder, found.task.uniqueName);
    const attempt = (await attemptsOf(folder)).at(-1);
    if (attempt === undefined) return [];
    const stdout = await tail(folder, `attempts/${attempt}/stdout`);
    const stderr = await tail(folder, `attempts/${attempt}/stderr`);
    return [...tailLines(stdout, lines), ...tailLines(stderr, lines).map((line) => `stderr: ${line}`)].slice(-lines);
  }

  /**
   * Asks the task's `capstan run` to cancel that task alone, through the run's cancel channel (runs/cancel-channel):
   * only a live run of this user's, still the process that registered, is asked.
   */
  async cancel(key: string): Promise<string> {
    const found = this.tasks.get(key);
    if (found === undefined) return 'that task is gone';
    return requestCancel(this.registry ?? registryFolder(), found.entry, found.task.uniqueName);
  }

  async close(): Promise<void> {
    this.stopping.abort();
    await this.loop;
  }

  private async refresh(): Promise<void> {
    const now = Date.now();
    const tasks = new Map<string, Found>();
    const shown: TopTask[] = [];
    for (const entry of await liveProcesses(this.registry)) {
      const { record } = await readRunRecord(entry.runFolder);
      for (const task of record?.tasks ?? []) {
        const key = `${entry.pid}/${task.uniqueName}`;
        tasks.set(key, { entry, task });
        shown.push(await this.toTopTask(key, entry, task, now));
      }
    }
    this.tasks = tasks;
    this.shown = shown;
  }

  private async toTopTask(key: string, entry: ProcessEntry, task: TaskRecord, now: number): Promise<TopTask> {
    const folder = join(entry.runFolder, task.uniqueName);
    const since = Date.parse(task.attemptStartedAt ?? task.submittedAt);
    const ended = task.endedAt === null ? undefined : Date.parse(task.endedAt);
    const usage = task.usage !== undefined && task.state === 'running' && now - Date.parse(task.usage.time) < STALE_MS ? task.usage : undefined;
    const output = task.attempt === 0 ? undefined : (lastLine(await tail(folder, `attempts/${task.attempt}/stdout`)) ?? lastLine(await tail(folder, `attempts/${task.attempt}/stderr`)));
    return {
      key,
      name: task.uniqueName,
      state: task.state,
      group: GROUPS[task.state],
      ...(Number.isNaN(since) ? {} : { since }),
      ...(ended === undefined || Number.isNaN(ended) ? {} : { endedAt: ended }),
      ...(usage?.cpuPercent === undefined ? {} : { cpuPercent: usage.cpuPercent }),
      ...(usage?.memoryBytes === undefined ? {} : { memoryBytes: usage.memoryBytes }),
      ...(output === undefined ? {} : { lastLine: output }),
    };
  }
}

/** A missing file is empty; a refused one (a link, a FIFO) is shown as refused, never followed. */
async function tail(folder: string, relative: string): Promise<string> {
  return readTaskFileTail(folder, relative, TAIL_BYTES).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? '' : `(${relative} not read: ${describe(error)})`));
}
