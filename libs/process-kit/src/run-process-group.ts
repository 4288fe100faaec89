import { type BackendEvent, type EndReason } from '@capstan/core-constraints';
import { canceledBeforeStart } from '@capstan/support';
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, createWriteStream, fstatSync, constants as fsConstants, openSync, type WriteStream } from 'node:fs';
import { constants } from 'node:os';
import { finished } from 'node:stream/promises';

export interface ProcessSpec extends ProcessSupervision {
  readonly program: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
}

/** How a process group is watched and stopped, whoever started its leader. */
export interface ProcessSupervision {
  /** Files the process's stdout and stderr are streamed to (appended), never held whole in memory. */
  readonly stdoutFile: string;
  readonly stderrFile: string;
  readonly timeoutMs?: number;
  /** Time between SIGTERM and SIGKILL when the process is stopped. Default 10 s. */
  readonly graceMs?: number;
  /** Aborting it during the grace period sends SIGKILL at once. */
  readonly stopNow?: AbortSignal;
  /** Called once the process runs, with its pid, which is also its process group's id (e.g. to record it). */
  readonly onSpawn?: (pid: number) => void;
}

export interface ProcessOutcome {
  readonly exitCode: number | null;
  /** The signal that ended the process, if one did. */
  readonly signal: NodeJS.Signals | null;
  readonly endReason: EndReason;
  readonly message?: string;
  readonly startedAt: Date;
  readonly endedAt: Date;
}

export const DEFAULT_GRACE_MS = 10_000;

/**
 * Runs a program as the leader of its own process group, so that stopping it (cancel or timeout) reaches every
 * process it started: SIGTERM to the group, then SIGKILL after the grace period. Output streams to files and to
 * log events while it runs. A process ended by a signal reports 128 + the signal's number, as shells do.
 */
export function runProcessGroup(spec: ProcessSpec, signal: AbortSignal, emit: (event: BackendEvent) => void): Promise<ProcessOutcome> {
  const start = (): ChildProcess => spawn(spec.program, [...spec.args], { cwd: spec.cwd, env: { ...spec.env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  return superviseProcessGroup(start, spec.program, spec, signal, emit);
}

/**
 * What `runProcessGroup` does once it has a process, for a caller that starts the leader itself (e.g. hands the
 * command to a process it made earlier). `start` is called once the output files are open (not at all when the
 * signal is already aborted) and must return a child that leads its own process group (`detached: true`, or one
 * that was) with stdout and stderr piped and not yet read; it may already have ended. `program` names it in messages.
 */
export async function superviseProcessGroup(
  start: () => ChildProcess,
  program: string,
  spec: ProcessSupervision,
  signal: AbortSignal,
  emit: (event: BackendEvent) => void,
): Promise<ProcessOutcome> {
  const startedAt = new Date();
  if (signal.aborted) return { ...canceledBeforeStart('the process started', startedAt), signal: null };
  let stdout: WriteStream;
  let stderr: WriteStream;
  try {
    stdout = openOutput(spec.stdoutFile);
    try {
      stderr = openOutput(spec.stderrFile);
    } catch (error) {
      stdout.destroy();
      throw error;
    }
  } catch (error) {
    // Nothing runs when its output has nowhere safe to go.
    const message = `the task's output could not be written: ${(error as Error).message}`;
    return { exitCode: null, signal: null, endReason: 'error', message, startedAt, endedAt: new Date() };
  }
  // A file that cannot be written (its folder removed, a full disk) ends the attempt as an error, never the process.
  let outputError: Error | undefined;
  for (const file of [stdout, stderr]) file.on('error', (error) => (outputError ??= error));
  let child: ChildProcess;
  try {
    child = start();
    if (child.stdout === null || child.stderr === null) throw new Error(`${program} was started without piped stdout and stderr`);
  } catch (error) {
    stdout.end();
    stderr.end();
    throw error;
  }
  if (child.pid !== undefined) spec.onSpawn?.(child.pid);
  pipeWithEvents(child.stdout, stdout, 'stdout', emit);
  pipeWithEvents(child.stderr, stderr, 'stderr', emit);

  let stopReason: 'canceled' | 'timeout' | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  const stop = (reason: 'canceled' | 'timeout'): void => {
    if (stopReason !== undefined || child.pid === undefined) return;
    stopReason = reason;
    signalGroup(child.pid, 'SIGTERM');
    killTimer = setTimeout(() => child.pid !== undefined && signalGroup(child.pid, 'SIGKILL'), spec.graceMs ?? DEFAULT_GRACE_MS);
  };
  const onAbort = (): void => stop('canceled');
  signal.addEventListener('abort', onAbort, { once: true });
  const onStopNow = (): void => {
    if (stopReason === undefined) stop('canceled');
    if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
  };
  spec.stopNow?.addEventListener('abort', onStopNow, { once: true });
  const timeoutTimer = spec.timeoutMs === undefined ? undefined : setTimeout(() => stop('timeout'), spec.timeoutMs);

  // 'exit' (not 'close'): a background process the command left behind may hold the pipes open.
  const ended = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('exit', (code, exitSignal) => resolve({ code, signal: exitSignal }));
    // A child handed over after it ended has emitted 'exit' already.
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
  });
  signal.removeEventListener('abort', onAbort);
  spec.stopNow?.removeEventListener('abort', onStopNow);
  clearTimeout(timeoutTimer);
  clearTimeout(killTimer);
  // As in a container, when the command ends, whatever it left running in its group ends too.
  if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
  await drained(child.stdout, child.stderr);
  stdout.end();
  stderr.end();
  await Promise.all([finished(stdout), finished(stderr)].map((done) => done.catch(() => undefined)));

  const endedAt = new Date();
  if (ended.error) {
    return { exitCode: null, signal: null, endReason: 'error', message: `could not start ${program}: ${ended.error.message}`, startedAt, endedAt };
  }
  const exitCode = ended.code ?? (ended.signal ? 128 + (constants.signals[ended.signal] ?? 0) : null);
  if (outputError !== undefined) {
    return { exitCode, signal: ended.signal, endReason: 'error', message: `the task's output could not be written: ${outputError.message}`, startedAt, endedAt };
  }
  if (stopReason === 'timeout') {
    return { exitCode, signal: ended.signal, endReason: 'timeout', message: `stopped after the timeout of ${spec.timeoutMs} ms`, startedAt, endedAt };
  }
  if (stopReason === 'canceled') return { exitCode, signal: ended.signal, endReason: 'canceled', message: 'canceled', startedAt, endedAt };
  return { exitCode, signal: ended.signal, endReason: 'exited', startedAt, endedAt };
}

function pipeWithEvents(
  source: NodeJS.ReadableStream,
  file: WriteStream,
  stream: 'stdout' | 'stderr',
  emit: (event: BackendEvent) => void,
): void {
  // After a write error the output is dropped, but the pipe keeps flowing so the process is never blocked on it.
  file.once('error', () => source.resume());
  source.on('data', (chunk: Buffer) => {
    if (!file.errored && !file.write(chunk)) {
      source.pause();
      file.once('drain', () => source.resume());
    }
    emit({ type: 'log', stream, text: chunk.toString('utf8') });
  });
  // A pipe its starter paused (having read from it before) flows again.
  source.resume();
}

/** Waits until both pipes have delivered everything (bounded: a process that escaped its group may keep one open). */
async function drained(...sources: NodeJS.ReadableStream[]): Promise<void> {
  await Promise.race([
    Promise.all(sources.map((source) => finished(source).catch(() => undefined))),
    new Promise((resolve) => setTimeout(resolve, 2_000).unref()),
  ]);
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

/**
 * Opens an output file for appending before the process starts, so no task can swap it first: a link in its place is
 * refused (O_NOFOLLOW) and anything but a regular file (a FIFO would block the host, a device would take its writes)
 * is closed again with an error. O_NONBLOCK only matters for such a non-file: the open of a FIFO never waits.
 */
function openOutput(path: string): WriteStream {
  const flags = fsConstants.O_WRONLY | fsConstants.O_APPEND | fsConstants.O_CREAT | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK;
  const fd = openSync(path, flags, 0o644);
  try {
    if (!fstatSync(fd).isFile()) throw new Error(`${path} is not a regular file`);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  return createWriteStream('', { fd });
}
