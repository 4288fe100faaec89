import { CapstanError, type ExecutionResult, type ResourceUsage } from '@capstan/core-constraints';
import { type RunOptions, type TaskEngine, type TaskResult } from '@capstan/engine';
import { formatRfc3339, isFinal, type TesExecutorLog, type TesTaskLog, usageTotal, type ValidatedTask, withUsageMetadata } from '@capstan/tes-model';
import { removeTaskTree } from '@capstan/task-files';
import { type FileTransfer, type ProgressListener } from '@capstan/transfer';
import { join } from 'node:path';
import { failedExecutorState } from './executor-outcome';
import { capturedIn, type CapturedStreams, readExecutorLog } from './executor-log';
import { executorTask } from './executor-task';
import { ExecutorWatch } from './executor-watch';
import { faultPause } from './fault-pause';
import { CPU_SECONDS_BUCKETS, Histogram, PEAK_MEMORY_BUCKETS, QUEUE_WAIT_BUCKETS, RUN_DURATION_BUCKETS } from './histogram';
import { type TaskRecords, withCurrentLog } from './task-records';
import { fetchInputs, uploadOutputs } from './task-files-io';
import { planTaskLayout, type TesTaskLayout } from './task-layout';
import { type TesServiceOptions } from './tes-service-options';

export type Outcome = 'COMPLETE' | 'EXECUTOR_ERROR' | 'SYSTEM_ERROR' | 'CANCELED';

/**
 * The server settings an operator may turn when tasks run out of memory; a client is only told the TES field
 * (resources.ram_gb), since it cannot change the server's configuration.
 */
export const OOM_SETTINGS =
  'engine.memoryRetryMultiplier (an executor killed for memory is retried with its memory multiplied by it; 1, the default, is off) and engine.limits.memory (deny or clamp a request above the backend\'s per-task maximum)';

/** Thrown inside a task's run to end it with SYSTEM_ERROR and a message for its system log. */
class SystemFailure extends Error {}

/**
 * A task's run: its executors one after another as engine tasks sharing the task's folders (its volumes and the
 * folders outputs are written in, bound read-write at their container paths); inputs fetched before, outputs uploaded
 * after. Every state change goes to the durable store first.
 */
export class TaskRunner {
  readonly queueWait = new Histogram(QUEUE_WAIT_BUCKETS);
  readonly runTimes = new Histogram(RUN_DURATION_BUCKETS);
  readonly peakMemory = new Histogram(PEAK_MEMORY_BUCKETS);
  readonly cpuSeconds = new Histogram(CPU_SECONDS_BUCKETS);

  constructor(
    private readonly records: TaskRecords,
    private readonly engine: TaskEngine,
    private readonly mover: FileTransfer,
    private readonly options: TesServiceOptions,
  ) {}

  /**
   * The backend of a task: the one its `backend_parameters.backend` names, else where the engine's `routes:` send its
   * first executor (tags as labels, its cpu and memory), else the default.
   */
  routeOf(id: string, task: ValidatedTask): { readonly backend: string; readonly reason: string } {
    const named = task.resources?.backend_parameters?.['backend'];
    if (named !== undefined) return { backend: named, reason: 'the task\'s backend_parameters.backend' };
    return this.engine.route(executorTask(id, task, 0, this.layoutOf(id, task)));
  }

  layoutOf(id: string, task: ValidatedTask): TesTaskLayout {
    return planTaskLayout(task, join(this.options.dataDir, 'tasks', id, 'files'));
  }

  /** Runs a queued task (or one a restart found not started) from its first executor. */
  async runQueued(id: string, signal: AbortSignal): Promise<void> {
    const stored = this.records.store.get(id);
    if (stored === undefined || stored.state !== 'QUEUED' && stored.state !== 'INITIALIZING') return;
    const startedAt = new Date();
    const layout = this.layoutOf(id, stored);
    // INITIALIZING once the engine has granted the first executor its resources: inputs are fetched then, and the
    // image pulled; until then the task waits QUEUED (in this service's queue or the engine's ledger).
    const initialize = async (admitted: AbortSignal): Promise<void> => {
      this.records.setState(id, 'INITIALIZING', (task) => {
        // A task picked up again after a restart keeps its earlier log and gets a new one for this try.
        const current = task.logs[task.logs.length - 1];
        const fresh = current === undefined || current.start_time !== undefined;
        const log: TesTaskLog = fresh ? { logs: [], outputs: [], start_time: formatRfc3339(new Date()) } : { ...current, start_time: formatRfc3339(new Date()) };
        return { ...task, logs: fresh ? [...task.logs, log] : [...task.logs.slice(0, -1), log] };
      });
      await removeTaskTree(join(this.options.dataDir, 'tasks', id));
      await fetchInputs(this.mover, stored, layout, admitted, this.progressOf(id));
    };
    try {
      await this.runExecutors(id, stored, layout, 0, signal, initialize);
    } finally {
      this.runTimes.observe((Date.now() - startedAt.getTime()) / 1000);
    }
  }

  /** Runs executors `from`.. in order (`initialize` before the first one's attempt), uploads the outputs; ends the task. */
  async runExecutors(id: string, task: ValidatedTask, layout: TesTaskLayout, from: number, signal: AbortSignal, initialize?: RunOptions['afterAdmission']): Promise<void> {
    try {
      // Every executor of a task goes where the first would: they share its volumes, and a restart looks for them there.
      const { backend, reason: backendReason } = this.routeOf(id, task);
      for (let index = from; index < task.executors.length; index += 1) {
        const executor = task.executors[index];
        if (executor === undefined) break;
        const watch = this.watchExecutor(id, task, layout, index);
        const prepare = index === from && initialize !== undefined ? { afterAdmission: initialize } : {};
        // The executor's end is stored before its container is removed: a crash in between loses nothing.
        const beforeRemoval = (end: ExecutionResult): Promise<void> => this.storeEnd(id, task, layout, index, watch.attemptFolder, end);
        const result = await this.engine.run(executorTask(id, task, index, layout), { backend, backendReason, signal, onEvent: watch.onEvent, beforeRemoval, ...prepare }).finally(() => watch.stop());
        await faultPause('executor-removed');
        const outcome = await this.recordExecutor(id, task, layout, index, result);
        if (outcome === 'CANCELED' || signal.aborted) return await this.finish(id, 'CANCELED', layout);
        if (outcome === 'SYSTEM_ERROR') return await this.finish(id, 'SYSTEM_ERROR', layout);
        if (outcome === 'EXECUTOR_ERROR' && executor.ignore_error !== true) return await this.finish(id, 'EXECUTOR_ERROR', layout);
      }
      const outputs = await uploadOutputs(this.mover, task, layout, signal, this.progressOf(id), (message) => this.records.systemLog(id, message));
      this.records.updateLog(id, (log) => ({ ...log, outputs }));
      return await this.finish(id, 'COMPLETE', layout);
    } catch (error) {
      if (signal.aborted) return this.finish(id, 'CANCELED', layout);
      if (error instanceof SystemFailure || error instanceof CapstanError) {
        this.records.systemLog(id, error.message);
        return this.finish(id, 'SYSTEM_ERROR', layout);
      }
      throw error;
    }
  }

  /**
   * Stores executor `index`'s end (exit code, times, output tails) while its container still exists, so that a crash
   * between the container's removal and the executor's record finds the result stored (a restart goes on after it).
   */
  async storeEnd(id: string, task: ValidatedTask, layout: TesTaskLayout, index: number, folder: string | undefined, end: ExecutionResult): Promise<void> {
    if (folder === undefined) return;
    this.records.setExecutorLog(id, index, await this.executorLog(id, task, layout, index, capturedIn(folder), end, false));
    await faultPause('executor-recorded');
  }

  /** Executor `index`'s log; `warnOfRefusals` is false for the live refreshes: a refusal is logged once, by the final log. */
  executorLog(
    id: string,
    task: ValidatedTask,
    layout: TesTaskLayout,
    index: number,
    captured: CapturedStreams,
    run: { readonly startedAt: Date; readonly endedAt: Date; readonly exitCode: number | null },
    warnOfRefusals = true,
  ): Promise<TesExecutorLog> {
    const warn = (message: string): void => {
      if (warnOfRefusals) this.records.systemLog(id, message);
    };
    return readExecutorLog(task.executors[index], layout, captured, run, this.options.logTailBytes, warn);
  }

  /** Ends the task in its final state (CANCELED if a cancel came meanwhile) and removes its files. */
  async finish(id: string, outcome: Outcome, layout: TesTaskLayout | undefined): Promise<void> {
    const current = this.records.store.get(id);
    if (current === undefined || this.records.closed) return;
    if (outcome === 'CANCELED' && current.state !== 'CANCELING' && !isFinal(current.state)) this.records.setState(id, 'CANCELING');
    const final = outcome === 'CANCELED' ? 'CANCELED' : this.records.store.get(id)?.state === 'CANCELING' ? 'CANCELED' : outcome;
    const ended = this.records.setState(id, final, (task) => withCurrentLog(task, (last) => ({ ...last, end_time: formatRfc3339(new Date()) })));
    this.observeUsage(ended?.logs[ended.logs.length - 1]?.metadata);
    if (layout !== undefined && !this.options.keepTaskFiles) await removeTaskTree(join(this.options.dataDir, 'tasks', id)).catch(() => undefined);
  }

  /** Executor `index` ended: its usage into the task log's metadata, and the event. */
  recordEnded(id: string, index: number, end: { readonly usage?: ResourceUsage; readonly exitCode: number | null }): void {
    const { usage } = end;
    if (usage !== undefined) this.records.updateLog(id, (log) => ({ ...log, metadata: withUsageMetadata(log.metadata, index, usage) }));
    if (!this.records.closed) this.records.emit({ type: 'executor-ended', taskId: id, executor: index, exitCode: end.exitCode ?? -1 });
  }

  endUnexpectedly(id: string, error: unknown): void {
    if (this.records.closed) return;
    const task = this.records.store.get(id);
    if (task === undefined || isFinal(task.state)) return;
    this.records.systemLog(id, `Capstan failed while running the task: ${error instanceof Error ? error.message : String(error)}`);
    this.records.setState(id, task.state === 'CANCELING' ? 'CANCELED' : 'SYSTEM_ERROR');
  }

  /** The task's usage totals (this try's), into /metrics' histograms; a task whose backend read nothing is left out. */
  private observeUsage(metadata: Readonly<Record<string, string>> | undefined): void {
    const peak = usageTotal(metadata, 'peak_memory_bytes');
    const cpu = usageTotal(metadata, 'cpu_seconds');
    if (peak !== undefined) this.peakMemory.observe(peak);
    if (cpu !== undefined) this.cpuSeconds.observe(cpu);
  }

  private progressOf(id: string): ProgressListener {
    return (progress) => this.records.emit({ type: 'transfer', taskId: id, progress });
  }

  /**
   * Follows executor `index` while it runs: RUNNING and its log (start time) from the moment its container starts,
   * then its output tails at a bounded rate.
   */
  private watchExecutor(id: string, task: ValidatedTask, layout: TesTaskLayout, index: number): ExecutorWatch {
    return new ExecutorWatch({
      started: (at) => {
        const stored = this.records.store.get(id);
        const first = stored?.state === 'QUEUED' || stored?.state === 'INITIALIZING';
        this.records.setExecutorLog(id, index, { start_time: formatRfc3339(at), exit_code: -1 }, first ? 'RUNNING' : undefined);
        if (first) this.queueWait.observe((at.getTime() - Date.parse(stored.creation_time)) / 1000);
        this.records.emit({ type: 'executor-started', taskId: id, executor: index });
      },
      usage: (sample) => this.records.emit({ type: 'usage', taskId: id, executor: index, sample }),
      refresh: async (folder) => {
        const now = new Date();
        const { stdout, stderr } = await this.executorLog(id, task, layout, index, capturedIn(folder), { startedAt: now, endedAt: now, exitCode: null }, false);
        this.records.updateLog(id, (log) => {
          const current = log.logs[index];
          if (current === undefined || current.end_time !== undefined) return log;
          return { ...log, logs: log.logs.map((item, at) => (at === index ? { ...item, stdout: stdout ?? '', stderr: stderr ?? '' } : item)) };
        });
      },
    });
  }

  /** Writes the executor's log (times, exit code, tails of its streams) and says how it went. */
  private async recordExecutor(id: string, task: ValidatedTask, layout: TesTaskLayout, index: number, result: TaskResult): Promise<Outcome | 'OK'> {
    const attempt = result.attempts[result.attempts.length - 1];
    for (const warning of result.warnings) this.records.systemLog(id, `executor ${index}: ${warning}`);
    if (attempt !== undefined) {
      const run = { ...attempt, startedAt: new Date(attempt.startedAt), endedAt: new Date(attempt.endedAt) };
      this.records.putExecutorLog(id, index, await this.executorLog(id, task, layout, index, capturedIn(attempt.folder), run));
      this.recordEnded(id, index, attempt);
      if (attempt.endReason !== 'exited' && attempt.endReason !== 'canceled') {
        this.records.systemLog(id, `executor ${index} ended: ${attempt.endReason}${attempt.message === undefined ? '' : ` (${attempt.message})`}`);
      }
      if (attempt.endReason === 'oom') this.records.emit({ type: 'oom', taskId: id, executor: index, message: attempt.message ?? 'killed for running out of memory', settings: OOM_SETTINGS });
    }
    if (!this.options.keepTaskFiles) await removeTaskTree(result.folder).catch(() => undefined);
    if (result.state === 'succeeded') return 'OK';
    if (result.state === 'canceled') return 'CANCELED';
    if (result.state === 'error') {
      this.records.systemLog(id, `executor ${index} could not run: ${result.error?.message ?? 'unknown error'}`);
      return 'SYSTEM_ERROR';
    }
    return failedExecutorState(result.endReason);
  }
}
