import { formatBytes, OUTPUTS_MANIFEST, URL_SOURCE } from '@capstan/core-constraints';
import { dirname, join } from 'node:path';
import { type EngineEvent, type TaskResult } from '@capstan/engine';
import { type CommandIo } from '../commands/common-options';
import { formatDuration } from './duration';
import { usageSummary } from './usage-summary';

interface TaskLine {
  label: string;
  status: string;
  attempt: number;
  runningSince: number | undefined;
  lastLog: string;
  lastPullLine: number;
  lastHeartbeat: number;
}

const HEARTBEAT_MS = 10_000;
const PULL_LINE_MS = 2_000;
const REDRAW_MS = 250;

/**
 * Live progress for people. On a terminal, a status block (one line per task: state, elapsed time, last log line)
 * is redrawn in place, with lasting messages printed above it. Elsewhere (a pipe, a CI log) each change is one line,
 * with a heartbeat while a task runs.
 */
export class ProgressRenderer {
  private readonly tasks = new Map<string, TaskLine>();
  private drawnLines = 0;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly io: CommandIo,
    private readonly now: () => number = Date.now,
  ) {
    this.timer = io.isTty ? setInterval(() => this.redraw(), REDRAW_MS) : setInterval(() => this.heartbeats(), 1_000);
    this.timer.unref();
  }

  handle(event: EngineEvent): void {
    const task = this.task(event);
    switch (event.type) {
      case 'resolved':
        task.status = `resolved on ${event.backend}${event.route === undefined ? '' : ` (${event.route})`}`;
        event.warnings.forEach((warning) => this.say(task, `warning: ${warning}`));
        break;
      case 'queued':
        task.status = `queued: waiting for ${event.short.join(', ')}${event.position > 0 ? ` (${event.position} ahead)` : ''}`;
        this.say(task, task.status);
        break;
      case 'admitted':
        if (event.waitedMs >= 100) this.say(task, `admitted after waiting ${formatDuration(event.waitedMs)}`);
        break;
      case 'attempt-started':
        task.runningSince = this.now();
        task.attempt = event.attempt;
        task.status = `running attempt ${event.attempt}`;
        this.say(task, `${task.status} in ${event.folder}`);
        break;
      case 'backend':
        this.backendEvent(task, event.event);
        break;
      case 'attempt-ended':
        task.runningSince = undefined;
        if (!event.success) {
          const why = event.endReason === 'exited' ? `exit ${event.exitCode}` : `${event.endReason}${event.message ? `: ${event.message}` : ''}`;
          this.say(task, `attempt ${event.attempt} failed (${why})${event.willRetry ? ', retrying' : ''}`);
        }
        break;
      case 'memory-escalated':
        this.say(task, `attempt ${event.attempt} gets ${formatBytes(event.memory)} of memory${event.memoryLimit === null ? '' : ` (limit ${formatBytes(event.memoryLimit)})`} after running out (x${event.factor}${event.capped ? ', capped at what the backend gives one task' : ''})`);
        break;
      case 'warning':
        this.say(task, `warning: ${event.message}`);
        break;
      case 'finished':
        if (task.lastLog !== '') this.say(task, `last output: ${task.lastLog}`);
        task.status = event.state;
        this.say(task, `${event.state}${event.exitCode === null ? '' : `: exit ${event.exitCode}`}${event.endReason && event.endReason !== 'exited' ? ` (${event.endReason})` : ''}`);
        break;
      default:
        break;
    }
  }

  /** Stops redrawing and prints the summary of every task, then `details` (why failed tasks failed). */
  finish(results: readonly TaskResult[], details = ''): void {
    clearInterval(this.timer);
    this.clearBlock();
    this.io.stdout(summary(results) + details);
  }

  private backendEvent(task: TaskLine, event: Extract<EngineEvent, { type: 'backend' }>['event']): void {
    switch (event.type) {
      case 'pulling': {
        task.status = `pulling ${event.image}: ${formatBytes(event.bytesDone)}${event.bytesTotal ? ` of ${formatBytes(event.bytesTotal)}` : ''}`;
        if (!this.io.isTty && this.now() - task.lastPullLine >= PULL_LINE_MS) {
          task.lastPullLine = this.now();
          this.say(task, task.status);
        }
        break;
      }
      case 'pulled':
        task.status = `running attempt ${task.attempt}`;
        this.say(task, `pulled ${event.image}${event.source === undefined ? '' : ` from ${event.source}`} in ${formatDuration(event.ms)}`);
        break;
      case 'started':
        task.status = `running attempt ${task.attempt}`;
        break;
      case 'log': {
        const lines = event.text.split('\n').filter((line) => line.trim() !== '');
        const last = lines[lines.length - 1];
        if (last !== undefined) task.lastLog = last;
        break;
      }
      case 'warning':
        this.say(task, `warning: ${event.message}`);
        break;
      default:
        break;
    }
  }

  private task(event: EngineEvent): TaskLine {
    let task = this.tasks.get(event.uniqueName);
    if (task === undefined) {
      const sameName = [...this.tasks.values()].some((other) => other.label === event.taskName);
      task = { label: sameName ? event.uniqueName : event.taskName, status: 'starting', attempt: 0, runningSince: undefined, lastLog: '', lastPullLine: 0, lastHeartbeat: 0 };
      this.tasks.set(event.uniqueName, task);
    }
    return task;
  }

  /** A lasting line: above the status block on a terminal, or simply printed. */
  private say(task: TaskLine, message: string): void {
    this.clearBlock();
    this.io.stdout(`[${task.label}] ${message}\n`);
    if (this.io.isTty) this.drawBlock();
  }

  private heartbeats(): void {
    for (const task of this.tasks.values()) {
      if (task.runningSince === undefined || this.now() - task.lastHeartbeat < HEARTBEAT_MS || this.now() - task.runningSince < HEARTBEAT_MS) continue;
      task.lastHeartbeat = this.now();
      this.io.stdout(`[${task.label}] running ${formatDuration(this.now() - task.runningSince)}${task.lastLog ? ` | ${task.lastLog}` : ''}\n`);
    }
  }

  private redraw(): void {
    this.clearBlock();
    this.drawBlock();
  }

  private drawBlock(): void {
    const width = Math.max(40, process.stdout.columns ?? 100);
    const lines = [...this.tasks.values()]
      .filter((task) => !['succeeded', 'failed', 'canceled', 'error'].includes(task.status))
      .map((task) => {
        const elapsed = task.runningSince === undefined ? '' : ` ${formatDuration(this.now() - task.runningSince)}`;
        const text = `  ${task.label}: ${task.status}${elapsed}${task.lastLog ? ` | ${task.lastLog}` : ''}`;
        return text.length > width - 1 ? `${text.slice(0, width - 2)}…` : text;
      });
    if (lines.length > 0) this.io.stdout(`${lines.join('\n')}\n`);
    this.drawnLines = lines.length;
  }

  private clearBlock(): void {
    if (this.io.isTty && this.drawnLines > 0) this.io.stdout(`\x1b[${this.drawnLines}A\x1b[J`);
    this.drawnLines = 0;
  }
}

function summary(results: readonly TaskResult[]): string {
  if (results.length === 0) return '';
  // Tasks of one run on several backends (routing): each row says where it ran.
  const mixed = new Set(results.map((result) => result.backend)).size > 1;
  const rows = results.map((result) => {
    const exit = result.exitCode === null ? '-' : String(result.exitCode);
    const reason = result.endReason ?? (result.error ? result.error.code : '-');
    // A task refused before its first attempt made no folder: naming one would send the reader nowhere.
    const folder = result.attempts.length === 0 ? '(no folder)' : result.folderDeleted ? '(folder deleted)' : result.folder;
    return [result.taskName, ...(mixed ? [`on ${result.backend}`] : []), result.state, `exit ${exit}`, reason, formatDuration(result.phases.totalMs), folder];
  });
  const widths = (mixed ? [0, 1, 2, 3, 4, 5] : [0, 1, 2, 3, 4]).map((column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  const lines = rows.map((row) =>
    row
      .map((cell, column) => (column < widths.length ? cell.padEnd(widths[column] ?? 0) : cell))
      .join('  ')
      .trimEnd(),
  );
  const errors = results.filter((result) => result.error).map((result) => `  ${result.taskName}: ${withPath(result.error?.path, result.error?.message ?? '')}`);
  // A lost task has no exit status of its own: say what was lost, or the row reads like any failure.
  errors.push(...results.filter((result) => !result.error && result.endReason === 'lost').map((result) => `  ${result.taskName}: lost: ${result.attempts[result.attempts.length - 1]?.message ?? 'the runtime stopped answering'}`));
  errors.push(...results.flatMap((result) => result.missingOutputs.map((line) => `  ${result.taskName}: missing_output: ${line}`)));
  return `\nSummary:\n${lines.map((line) => `  ${line}`).join('\n')}\n${errors.length > 0 ? `${errors.join('\n')}\n` : ''}${usageSummary(results)}${publishedOutputs(results)}`;
}

/** `outputs.json` beside a task's output folder: a path, or an object store's URL (`s3://bucket/prefix/task`). */
function manifestOf(outputsFolder: string): string {
  if (!URL_SOURCE.test(outputsFolder)) return join(dirname(outputsFolder), OUTPUTS_MANIFEST);
  return `${outputsFolder.slice(0, outputsFolder.lastIndexOf('/'))}/${OUTPUTS_MANIFEST}`;
}

/** Where each published output is, one line each, then the manifests: what a reader copies next. */
function publishedOutputs(results: readonly TaskResult[]): string {
  const files = results.flatMap((result) => result.published);
  if (files.length === 0) return '';
  const nameWidth = Math.max(...files.map((file) => `${file.task} ${file.name}`.length));
  const lines = files.map((file) => `  ${`${file.task} ${file.name}`.padEnd(nameWidth)}  ${file.path} (${formatBytes(file.size)})`);
  const manifests = [...new Set(results.flatMap((result) => (result.outputsFolder === null ? [] : [manifestOf(result.outputsFolder)])))];
  return `\nOutputs:\n${lines.join('\n')}\n${manifests.map((path) => `  manifest: ${path}\n`).join('')}`;
}

/** `path: message`, once: a transfer's messages already start with the field they are about. */
function withPath(path: string | null | undefined, message: string): string {
  return path && !message.startsWith(`${path}: `) ? `${path}: ${message}` : message;
}
