import { BackendRegistry, CapstanError, ErrorCode, type ExecutionResult } from '@capstan/core-constraints';
import { type RunOptions, TaskEngine, type TaskResult } from '@capstan/engine';
import {
  acceptCreateTask,
  createStoredTask,
  formatRfc3339,
  inputSource,
  isFinal,
  type ListQuery,
  readPathPattern,
  stateOnCancel,
  type StoredTesTask,
  TES_ARTIFACT,
  TES_SERVICE_GROUP,
  TES_SPEC_VERSION,
  TES_STATES,
  type TesExecutor,
  type TesExecutorLog,
  type TesOutputFileLog,
  type TesServiceInfo,
  type TesState,
  type TesTaskInView,
  type TesTaskLog,
  type TesView,
  type ValidatedTask,
} from '@capstan/tes-model';
import { removeTaskTree } from '@capstan/task-files';
import { TesTaskStore } from '@capstan/tes-store';
import { maySee, type Principal } from './principal';
import { checkTaskSize } from './task-size';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';
import { inject, injectable } from 'tsyringe';
import { earlierCapture } from './earlier-capture';
import { executorTask } from './executor-task';
import { ExecutorWatch } from './executor-watch';
import { faultPause } from './fault-pause';
import { FileMover, type TransferProgress } from './file-mover';
import { matchGuestPaths } from './match-guest-paths';
import { readTail } from './read-tail';
import { Histogram, QUEUE_WAIT_BUCKETS, RUN_DURATION_BUCKETS } from './histogram';
import { findLeftovers } from './leftovers';
import { type Leftover, type RestartAction, restartAction } from './restart-plan';
import { hostPathOf, planTaskLayout, type TesTaskLayout } from './task-layout';
import { SUPPORTED_BACKEND_PARAMETERS, TesServiceOptions } from './tes-service-options';
import { type TesListResult, type TesMetricsSnapshot, type TesService } from './tes-service';
import { failedExecutorState } from './executor-outcome';

/** What the service reports while it works (the api logs them). */
export type TesServiceEvent =
  | { readonly type: 'state'; readonly taskId: string; readonly state: TesState }
  | { readonly type: 'transfer'; readonly taskId: string; readonly progress: TransferProgress }
  | { readonly type: 'reconciled'; readonly taskId: string; readonly outcome: string };

type Outcome = 'COMPLETE' | 'EXECUTOR_ERROR' | 'SYSTEM_ERROR' | 'CANCELED';

/** Thrown inside a task's run to end it with SYSTEM_ERROR and a message for its system log. */
class SystemFailure extends Error {}

/**
 * The TES operations on Capstan's engine. A task's executors run one after another as engine tasks sharing the
 * task's folders (its volumes and the folders outputs are written in, bound read-write at their container paths);
 * inputs are fetched before, outputs uploaded after. Every state change goes to the durable store first.
 */
@injectable()
export class EngineTesService implements TesService {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly inFlight = new Map<string, AbortController>();
  private readonly running = new Set<Promise<void>>();
  private readonly queueWait = new Histogram(QUEUE_WAIT_BUCKETS);
  private readonly runTimes = new Histogram(RUN_DURATION_BUCKETS);
  private readonly listeners = new Set<(event: TesServiceEvent) => void>();
  private readonly pendingInserts: Array<{ readonly task: StoredTesTask; readonly owner: string; readonly resolve: () => void; readonly reject: (error: unknown) => void }> = [];
  private closed = false;

  constructor(
    @inject(TesTaskStore) private readonly store: TesTaskStore,
    @inject(TaskEngine) private readonly engine: TaskEngine,
    @inject(BackendRegistry) private readonly registry: BackendRegistry,
    @inject(FileMover) private readonly mover: FileMover,
    @inject(TesServiceOptions) private readonly options: TesServiceOptions,
  ) {}

  /** Listens to state changes, transfers and reconciliations; returns the function that stops listening. */
  subscribe(listener: (event: TesServiceEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  serviceInfo(): TesServiceInfo {
    const info = this.options.serviceInfo;
    return {
      id: info.id,
      name: info.name,
      type: { group: TES_SERVICE_GROUP, artifact: TES_ARTIFACT, version: TES_SPEC_VERSION },
      description: 'A GA4GH TES v1.1 server on the Capstan task-execution engine',
      organization: info.organization,
      version: this.options.version,
      storage: this.options.storage,
      tesResources_backend_parameters: [...SUPPORTED_BACKEND_PARAMETERS],
      ...(info.environment === undefined ? {} : { environment: info.environment }),
      ...(info.contactUrl === undefined ? {} : { contactUrl: info.contactUrl }),
      ...(info.documentationUrl === undefined ? {} : { documentationUrl: info.documentationUrl }),
    };
  }

  createTask(body: unknown, caller: Principal): Promise<{ id: string }> {
    if (this.closed) return Promise.reject(new CapstanError(ErrorCode.BackendUnavailable, 'the server is shutting down; send the task again once it is back'));
    const { task, warnings } = acceptCreateTask(body, { supportedBackendParameters: SUPPORTED_BACKEND_PARAMETERS });
    this.checkBackend(task);
    this.checkRunnable(task);
    const stored = createStoredTask(task);
    const withWarnings: StoredTesTask = warnings.length === 0 ? stored : { ...stored, logs: [{ logs: [], outputs: [], system_logs: warnings }] };
    checkTaskSize(withWarnings, this.options.maxTaskBytes);
    const { promise, resolve, reject } = Promise.withResolvers<{ id: string }>();
    this.pendingInserts.push({ task: withWarnings, owner: caller.name, resolve: () => resolve({ id: stored.id }), reject });
    if (this.pendingInserts.length === 1) setImmediate(() => this.flushInserts());
    return promise;
  }

  /**
   * Group commit: the creates that arrived in one turn of the event loop are stored in one transaction, and each is
   * answered only once it is stored. If the batch fails, each task is tried alone, so one bad task fails only itself.
   */
  private flushInserts(): void {
    const batch = this.pendingInserts.splice(0);
    let stored = batch;
    try {
      this.store.insertMany(
        batch.map((pending) => pending.task),
        batch.map((pending) => pending.owner),
      );
    } catch {
      stored = batch.filter((pending) => {
        try {
          this.store.insert(pending.task, pending.owner);
          return true;
        } catch (error) {
          pending.reject(error);
          return false;
        }
      });
    }
    for (const pending of stored) {
      pending.resolve();
      this.enqueue(pending.task.id);
    }
  }

  getTask(id: string, view: TesView, caller: Principal): TesTaskInView {
    this.checkVisible(id, caller);
    const task = this.store.getView(id, view);
    if (task === undefined) throw notFound(id);
    return task;
  }

  listTasks(query: ListQuery, caller: Principal): TesListResult {
    const page = this.store.list(query, caller.admin ? undefined : caller.name);
    return page.nextPageToken === undefined ? { tasks: page.tasks } : { tasks: page.tasks, next_page_token: page.nextPageToken };
  }

  cancelTask(id: string, caller: Principal): Promise<void> {
    const owner = this.store.ownerOf(id);
    if (owner === undefined || !maySee(caller, owner)) return Promise.reject(notFound(id));
    const task = this.store.get(id);
    if (task === undefined) return Promise.reject(notFound(id));
    if (stateOnCancel(task.state) === undefined) return Promise.resolve();
    this.setState(id, 'CANCELING');
    const controller = this.inFlight.get(id);
    if (controller !== undefined) {
      controller.abort(); // the run ends the task CANCELED
    } else {
      this.queued.delete(id);
      this.setState(id, 'CANCELED');
    }
    return Promise.resolve();
  }

  /** Another principal's task is not found, in the same words as an unknown id: no oracle of which ids exist. */
  private checkVisible(id: string, caller: Principal): void {
    const owner = this.store.ownerOf(id);
    if (owner !== undefined && !maySee(caller, owner)) throw notFound(id);
  }

  metrics(): TesMetricsSnapshot {
    const counts = this.store.countByState();
    return {
      tasksByState: Object.fromEntries(TES_STATES.map((state) => [state, counts[state] ?? 0])),
      queueWaitSeconds: this.queueWait.snapshot(),
      runSeconds: this.runTimes.snapshot(),
    };
  }

  /**
   * Picks up what an earlier server process left, so that a restart loses nothing and runs nothing twice: an
   * executor whose container exists is taken over (running) or harvested (ended while the server was down), never
   * started again; tasks no executor of which started run again from their inputs; RUNNING tasks between executors
   * go on with the next one; CANCELING tasks end CANCELED.
   */
  async start(): Promise<void> {
    const unfinished = this.store.listInStates(['QUEUED', 'INITIALIZING', 'RUNNING', 'CANCELING']);
    const { found: leftovers, strays } = await findLeftovers(this.registry, unfinished, this.options);
    for (const stray of strays) await this.removeLeftover(stray);
    for (const task of unfinished) {
      const found = leftovers.get(task.id) ?? [];
      const action = restartAction(task, found);
      // Besides a container taken over, what is left was never started, or belongs to a task being canceled.
      for (const item of found) if (action.kind !== 'take-over' || item !== action.leftover) await this.removeLeftover(item);
      if (action.kind === 'cancel') this.setState(task.id, 'CANCELED');
      else if (action.kind === 'rerun') this.enqueue(task.id);
      else await this.reconcile(task, action);
    }
  }

  /**
   * Stops taking work and waits for nothing: what runs keeps running in its containers, and the next start
   * reconciles it from the store. Writes no further state.
   */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
    this.queued.clear();
  }

  /** Resolves when every task this process started has ended (for tests and a draining shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0 || this.queue.length > 0) await Promise.race(this.running);
  }

  private emit(event: TesServiceEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private checkBackend(task: ValidatedTask): void {
    const chosen = task.resources?.backend_parameters?.['backend'];
    if (chosen === undefined || chosen === this.options.defaultBackend) return;
    if (!this.options.selectableBackends.includes(chosen)) {
      const allowed = [this.options.defaultBackend, ...this.options.selectableBackends];
      throw new CapstanError(
        ErrorCode.TesInvalidTask,
        `resources.backend_parameters.backend is ${JSON.stringify(chosen)}, which this server does not offer; use one of ${allowed.map((name) => JSON.stringify(name)).join(', ')}, or leave it out`,
        { path: 'resources.backend_parameters.backend', details: { value: chosen } },
      );
    }
  }

  /** Refuses at creation what could never run: paths that cannot be bound, env names or images Capstan cannot use, addresses it will not fetch. */
  private checkRunnable(task: ValidatedTask): void {
    const layout = planTaskLayout(task, '/');
    task.executors.forEach((_executor, index) => {
      try {
        executorTask('check', task, index, layout);
      } catch (error) {
        if (!(error instanceof CapstanError)) throw error;
        const field = tesField(index, error.path);
        throw new CapstanError(ErrorCode.TesInvalidTask, `${field}: ${error.message}`, { path: field, cause: error });
      }
    });
    task.inputs.forEach((input, index) => {
      const source = inputSource(input);
      if (source.kind === 'url') this.mover.checkAddress(source.url, 'in', `inputs.${index}.url`);
    });
    task.outputs.forEach((output, index) => this.mover.checkAddress(output.url, 'out', `outputs.${index}.url`));
  }

  private enqueue(id: string): void {
    if (this.closed || this.queued.has(id) || this.inFlight.has(id)) return;
    this.queue.push(id);
    this.queued.add(id);
    this.dispatch();
  }

  private dispatch(): void {
    while (!this.closed && !this.options.paused && this.inFlight.size < this.options.maxRunningTasks && this.queue.length > 0) {
      const id = this.queue.shift() as string;
      if (!this.queued.delete(id)) continue;
      const controller = new AbortController();
      this.inFlight.set(id, controller);
      const run = this.runTask(id, controller.signal)
        .catch((error: unknown) => this.endUnexpectedly(id, error))
        .finally(() => {
          this.inFlight.delete(id);
          this.running.delete(run);
          this.dispatch();
        });
      this.running.add(run);
    }
  }

  private setState(id: string, state: TesState, change: (task: StoredTesTask) => StoredTesTask = (task) => task): StoredTesTask | undefined {
    if (this.closed) return undefined;
    const updated = this.store.update(id, (task) => ({ ...change(task), state }));
    this.emit({ type: 'state', taskId: id, state });
    return updated;
  }

  /** Changes the current task log (the last one) without changing the state. */
  private updateLog(id: string, change: (log: TesTaskLog) => TesTaskLog): void {
    if (this.closed) return;
    this.store.update(id, (task) => withCurrentLog(task, change));
  }

  private systemLog(id: string, message: string): void {
    this.updateLog(id, (log) => ({ ...log, system_logs: [...(log.system_logs ?? []), message] }));
  }

  private layoutOf(id: string, task: ValidatedTask): TesTaskLayout {
    return planTaskLayout(task, join(this.options.dataDir, 'tasks', id, 'files'));
  }

  private async runTask(id: string, signal: AbortSignal): Promise<void> {
    const stored = this.store.get(id);
    if (stored === undefined || stored.state !== 'QUEUED' && stored.state !== 'INITIALIZING') return;
    const startedAt = new Date();
    const layout = this.layoutOf(id, stored);
    // INITIALIZING once the engine has granted the first executor its resources: inputs are fetched then, and the
    // image pulled; until then the task waits QUEUED (in this service's queue or the engine's ledger).
    const initialize = async (admitted: AbortSignal): Promise<void> => {
      this.setState(id, 'INITIALIZING', (task) => {
        // A task picked up again after a restart keeps its earlier log and gets a new one for this try.
        const current = task.logs[task.logs.length - 1];
        const fresh = current === undefined || current.start_time !== undefined;
        const log: TesTaskLog = fresh ? { logs: [], outputs: [], start_time: formatRfc3339(new Date()) } : { ...current, start_time: formatRfc3339(new Date()) };
        return { ...task, logs: fresh ? [...task.logs, log] : [...task.logs.slice(0, -1), log] };
      });
      await this.prepare(id, stored, layout, admitted);
    };
    try {
      await this.runExecutors(id, stored, layout, 0, signal, initialize);
    } finally {
      this.runTimes.observe((Date.now() - startedAt.getTime()) / 1000);
    }
  }

  /** Makes the task's folders and fetches its inputs into them. */
  private async prepare(id: string, task: ValidatedTask, layout: TesTaskLayout, signal: AbortSignal): Promise<void> {
    await removeTaskTree(join(this.options.dataDir, 'tasks', id));
    await Promise.all(layout.folders.map((folder) => mkdir(folder, { recursive: true })));
    for (const placement of layout.inputs) {
      const input = task.inputs[placement.index];
      if (input === undefined) continue;
      await mkdir(posix.dirname(placement.hostPath), { recursive: true });
      const source = inputSource(input);
      const fieldPath = `inputs.${placement.index}.${source.kind === 'content' ? 'content' : 'url'}`;
      await this.mover.fetchInput(
        { ...(source.kind === 'content' ? { content: source.content } : { url: source.url }), type: placement.type, hostPath: placement.hostPath, fieldPath },
        signal,
        (progress) => this.emit({ type: 'transfer', taskId: id, progress }),
      );
    }
    // A read-only bind needs its host side to exist even when nothing was fetched there (an input inside another).
    for (const mount of layout.mounts) if (mount.type === 'directory') await mkdir(mount.hostPath, { recursive: true });
  }

  /** Runs executors `from`.. in order (`initialize` before the first one's attempt), uploads the outputs; ends the task. */
  private async runExecutors(id: string, task: ValidatedTask, layout: TesTaskLayout, from: number, signal: AbortSignal, initialize?: RunOptions['afterAdmission']): Promise<void> {
    const backend = task.resources?.backend_parameters?.['backend'] ?? this.options.defaultBackend;
    try {
      for (let index = from; index < task.executors.length; index += 1) {
        const executor = task.executors[index];
        if (executor === undefined) break;
        const watch = this.watchExecutor(id, task, layout, index);
        const prepare = index === from && initialize !== undefined ? { afterAdmission: initialize } : {};
        // The executor's end is stored before its container is removed: a crash in between loses nothing.
        const beforeRemoval = (end: ExecutionResult): Promise<void> => this.storeEnd(id, task, layout, index, watch.attemptFolder, end);
        const result = await this.engine.run(executorTask(id, task, index, layout), { backend, signal, onEvent: watch.onEvent, beforeRemoval, ...prepare }).finally(() => watch.stop());
        await faultPause('executor-removed');
        const outcome = await this.recordExecutor(id, task, layout, index, result);
        if (outcome === 'CANCELED' || signal.aborted) return await this.finish(id, 'CANCELED', layout);
        if (outcome === 'SYSTEM_ERROR') return await this.finish(id, 'SYSTEM_ERROR', layout);
        if (outcome === 'EXECUTOR_ERROR' && executor.ignore_error !== true) return await this.finish(id, 'EXECUTOR_ERROR', layout);
      }
      await this.uploadOutputs(id, task, layout, signal);
      return await this.finish(id, 'COMPLETE', layout);
    } catch (error) {
      if (signal.aborted) return this.finish(id, 'CANCELED', layout);
      if (error instanceof SystemFailure || error instanceof CapstanError) {
        this.systemLog(id, error.message);
        return this.finish(id, 'SYSTEM_ERROR', layout);
      }
      throw error;
    }
  }

  /**
   * Follows executor `index` while it runs: RUNNING and its log (start time) from the moment its container starts,
   * then its output tails at a bounded rate.
   */
  private watchExecutor(id: string, task: ValidatedTask, layout: TesTaskLayout, index: number): ExecutorWatch {
    return new ExecutorWatch({
      started: (at) => {
        const stored = this.store.get(id);
        const first = stored?.state === 'QUEUED' || stored?.state === 'INITIALIZING';
        this.setExecutorLog(id, index, { start_time: formatRfc3339(at), exit_code: -1 }, first ? 'RUNNING' : undefined);
        if (first) this.queueWait.observe((at.getTime() - Date.parse(stored.creation_time)) / 1000);
      },
      refresh: async (folder) => {
        const captured = { stdoutFile: join(folder, 'stdout'), stderrFile: join(folder, 'stderr') };
        const now = new Date();
        const { stdout, stderr } = await this.executorLog(id, task.executors[index], layout, captured, { startedAt: now, endedAt: now, exitCode: null }, false);
        this.updateLog(id, (log) => {
          const current = log.logs[index];
          if (current === undefined || current.end_time !== undefined) return log;
          return { ...log, logs: log.logs.map((item, at) => (at === index ? { ...item, stdout: stdout ?? '', stderr: stderr ?? '' } : item)) };
        });
      },
    });
  }

  /** Puts executor `index`'s log at its place in the current task log (log i is executor i), optionally with a new state. */
  private setExecutorLog(id: string, index: number, log: TesExecutorLog, state?: TesState): void {
    const change = (task: StoredTesTask): StoredTesTask => withCurrentLog(task, (last) => ({ ...last, logs: [...last.logs.slice(0, index), log, ...last.logs.slice(index + 1)] }));
    if (state !== undefined) {
      this.setState(id, state, change);
    } else if (!this.closed) {
      this.store.update(id, change);
    }
  }

  /**
   * Stores executor `index`'s end (exit code, times, output tails) while its container still exists, so that a crash
   * between the container's removal and {@link recordExecutor} finds the result stored (a restart goes on after it).
   */
  private async storeEnd(id: string, task: ValidatedTask, layout: TesTaskLayout, index: number, folder: string | undefined, end: ExecutionResult): Promise<void> {
    if (folder === undefined) return;
    const captured = { stdoutFile: join(folder, 'stdout'), stderrFile: join(folder, 'stderr') };
    this.setExecutorLog(id, index, await this.executorLog(id, task.executors[index], layout, captured, end, false));
    await faultPause('executor-recorded');
  }

  /** Writes the executor's log (times, exit code, tails of its streams) and says how it went. */
  private async recordExecutor(id: string, task: ValidatedTask, layout: TesTaskLayout, index: number, result: TaskResult): Promise<Outcome | 'OK'> {
    const executor = task.executors[index];
    const attempt = result.attempts[result.attempts.length - 1];
    for (const warning of result.warnings) this.systemLog(id, `executor ${index}: ${warning}`);
    if (attempt !== undefined) {
      const captured = { stdoutFile: join(attempt.folder, 'stdout'), stderrFile: join(attempt.folder, 'stderr') };
      const log = await this.executorLog(id, executor, layout, captured, { ...attempt, startedAt: new Date(attempt.startedAt), endedAt: new Date(attempt.endedAt) });
      // A backend that reports no start (local) makes the task RUNNING only now.
      const state = this.store.get(id)?.state;
      this.setExecutorLog(id, index, log, state === 'QUEUED' || state === 'INITIALIZING' ? 'RUNNING' : undefined);
      if (attempt.endReason !== 'exited' && attempt.endReason !== 'canceled') {
        this.systemLog(id, `executor ${index} ended: ${attempt.endReason}${attempt.message === undefined ? '' : ` (${attempt.message})`}`);
      }
    }
    if (!this.options.keepTaskFiles) await removeTaskTree(result.folder).catch(() => undefined);
    if (result.state === 'succeeded') return 'OK';
    if (result.state === 'canceled') return 'CANCELED';
    if (result.state === 'error') {
      this.systemLog(id, `executor ${index} could not run: ${result.error?.message ?? 'unknown error'}`);
      return 'SYSTEM_ERROR';
    }
    return failedExecutorState(result.endReason);
  }

  /**
   * One executor's log: its times, exit code, and the tails of its streams, read from the file it redirected each to
   * (in the task's folder), else from what the backend captured.
   */
  private async executorLog(
    id: string,
    executor: TesExecutor | undefined,
    layout: TesTaskLayout,
    captured: { readonly stdoutFile: string; readonly stderrFile: string },
    run: { readonly startedAt: Date; readonly endedAt: Date; readonly exitCode: number | null },
    /** False for the live refreshes while the executor runs: a refusal is logged once, by the final log. */
    warnOfRefusals = true,
  ): Promise<TesExecutorLog> {
    const tail = (stream: 'stdout' | 'stderr'): Promise<string> => {
      const redirected = executor?.[stream];
      const file = captured[`${stream}File`];
      const warn = (message: string): void => {
        if (warnOfRefusals) this.systemLog(id, `executor ${stream}: ${message}`);
      };
      if (redirected !== undefined) return readTail(layout.root, redirected, this.options.logTailBytes, warn);
      return readTail(dirname(file), basename(file), this.options.logTailBytes, warn);
    };
    const [stdout, stderr] = await Promise.all([tail('stdout'), tail('stderr')]);
    return { start_time: formatRfc3339(run.startedAt), end_time: formatRfc3339(run.endedAt), stdout, stderr, exit_code: run.exitCode ?? -1 };
  }

  private async uploadOutputs(id: string, task: ValidatedTask, layout: TesTaskLayout, signal: AbortSignal): Promise<void> {
    const logs: TesOutputFileLog[] = [];
    for (const [index, output] of task.outputs.entries()) {
      const pattern = readPathPattern(output.path);
      const fieldPath = `outputs.${index}.url`;
      const onProgress = (progress: TransferProgress): void => this.emit({ type: 'transfer', taskId: id, progress });
      if (!pattern.hasWildcards) {
        const type = output.type === 'DIRECTORY' ? 'directory' : 'file';
        const files = await this.mover.putOutput({ hostPath: hostPathOf(layout.root, output.path), url: output.url, type, fieldPath, within: layout.root }, signal, onProgress);
        for (const file of files) logs.push({ url: file.url, path: file.relativePath === '' ? output.path : posix.join(output.path, file.relativePath), size_bytes: String(file.sizeBytes) });
        continue;
      }
      const prefix = output.path_prefix ?? '';
      for (const guestPath of await matchGuestPaths(layout.root, output.path, (message) => this.systemLog(id, `outputs.${index}: ${message}`))) {
        const url = `${output.url.replace(/\/+$/, '')}/${guestPath.slice(prefix.length).replace(/^\/+/, '')}`;
        const files = await this.mover.putOutput({ hostPath: hostPathOf(layout.root, guestPath), url, type: 'file', fieldPath, within: layout.root }, signal, onProgress);
        for (const file of files) logs.push({ url: file.url, path: guestPath, size_bytes: String(file.sizeBytes) });
      }
    }
    this.updateLog(id, (log) => ({ ...log, outputs: logs }));
  }

  private async finish(id: string, outcome: Outcome, layout: TesTaskLayout | undefined): Promise<void> {
    const current = this.store.get(id);
    if (current === undefined || this.closed) return;
    if (outcome === 'CANCELED' && current.state !== 'CANCELING' && !isFinal(current.state)) this.setState(id, 'CANCELING');
    const final = outcome === 'CANCELED' ? 'CANCELED' : this.store.get(id)?.state === 'CANCELING' ? 'CANCELED' : outcome;
    this.setState(id, final, (task) => withCurrentLog(task, (last) => ({ ...last, end_time: formatRfc3339(new Date()) })));
    if (layout !== undefined && !this.options.keepTaskFiles) await removeTaskTree(join(this.options.dataDir, 'tasks', id)).catch(() => undefined);
  }

  private endUnexpectedly(id: string, error: unknown): void {
    if (this.closed) return;
    const task = this.store.get(id);
    if (task === undefined || isFinal(task.state)) return;
    this.systemLog(id, `Capstan failed while running the task: ${error instanceof Error ? error.message : String(error)}`);
    this.setState(id, task.state === 'CANCELING' ? 'CANCELED' : 'SYSTEM_ERROR');
  }

  private async removeLeftover(item: Leftover): Promise<void> {
    await this.registry.get(item.backend).removeManaged?.(item.resource);
  }

  /** Goes on with a task an earlier process left past its start (see {@link restartAction}), outside the queue. */
  private async reconcile(task: StoredTesTask, action: Exclude<RestartAction, { kind: 'cancel' | 'rerun' }>): Promise<void> {
    const layout = this.layoutOf(task.id, task);
    if (action.kind === 'lost' || action.kind === 'executor-error') {
      if (action.kind === 'lost') this.systemLog(task.id, `the server restarted while executor ${action.index} ran, and its container was gone by then, so its result is lost; send the task again`);
      this.emit({ type: 'reconciled', taskId: task.id, outcome: action.kind === 'lost' ? 'SYSTEM_ERROR' : 'EXECUTOR_ERROR' });
      return this.finish(task.id, action.kind === 'lost' ? 'SYSTEM_ERROR' : 'EXECUTOR_ERROR', layout);
    }
    if (action.kind === 'take-over' && this.registry.get(action.leftover.backend).reattach === undefined) {
      await this.removeLeftover(action.leftover);
      this.systemLog(task.id, `the server restarted while the task ran, and the ${action.leftover.backend} backend cannot take over a container; it was removed; send the task again`);
      this.emit({ type: 'reconciled', taskId: task.id, outcome: 'SYSTEM_ERROR' });
      return this.finish(task.id, 'SYSTEM_ERROR', layout);
    }
    const from = action.kind === 'take-over' ? action.leftover.index : action.from;
    this.emit({ type: 'reconciled', taskId: task.id, outcome: action.kind === 'take-over' ? `took over executor ${from} (${action.leftover.resource.state})` : `goes on with executor ${from}` });
    const controller = new AbortController();
    this.inFlight.set(task.id, controller);
    const work = action.kind === 'take-over' ? this.resume(task, action.leftover, layout, controller.signal) : this.runExecutors(task.id, task, layout, from, controller.signal);
    const run = work
      .catch((error: unknown) => this.endUnexpectedly(task.id, error))
      .finally(() => {
        this.inFlight.delete(task.id);
        this.running.delete(run);
        this.dispatch();
      });
    this.running.add(run);
  }

  /**
   * Takes over an executor's container: waits for it if it still runs, reads its exit code and its output (all of it,
   * bounded, when the engine kept a copy; else what the earlier process captured and what it prints from now on);
   * then the next executors run.
   */
  private async resume(task: StoredTesTask, leftover: Leftover, layout: TesTaskLayout, signal: AbortSignal): Promise<void> {
    const { index } = leftover;
    const backend = this.registry.get(leftover.backend);
    const folder = join(this.options.dataDir, 'tasks', task.id, 'reattached', String(index));
    await mkdir(folder, { recursive: true });
    const paths = { stdoutFile: join(folder, 'stdout'), stderrFile: join(folder, 'stderr') };
    // What the earlier process captured comes first; the take-over appends what the container prints from now on.
    const earlier = await earlierCapture(join(this.options.dataDir, 'work'), leftover.resource.labels);
    const warn = (message: string): void => this.systemLog(task.id, `executor ${index}: ${message}`);
    const before = (stream: 'stdoutFile' | 'stderrFile'): Promise<string> =>
      earlier === undefined ? Promise.resolve('') : readTail(dirname(earlier[stream]), basename(earlier[stream]), this.options.logTailBytes, warn);
    await Promise.all([writeFile(paths.stdoutFile, await before('stdoutFile')), writeFile(paths.stderrFile, await before('stderrFile'))]);
    const beforeRemoval = (end: ExecutionResult): Promise<void> => this.storeEnd(task.id, task, layout, index, folder, end);
    const outcome = await (backend.reattach as NonNullable<typeof backend.reattach>)(leftover.resource, { ...paths, beforeRemoval }, signal);
    const executor = task.executors[index];
    const log = await this.executorLog(task.id, executor, layout, paths, outcome);
    const state = this.store.get(task.id)?.state;
    this.setExecutorLog(task.id, index, log, state === 'QUEUED' || state === 'INITIALIZING' ? 'RUNNING' : undefined);
    // Whether the engine kept a copy of the output is the backend's configuration (logCopy), not known here.
    const how =
      leftover.resource.state === 'running'
        ? 'it still ran; its log holds what it printed while the server was down if the engine kept a copy of its output (logCopy)'
        : `it had ended (${leftover.resource.state}) while the server was down; its exit code was read from its container, its output from the engine's copy (logCopy), else only what it printed before the server stopped`;
    this.systemLog(task.id, `executor ${index} was re-attached after a server restart: ${how}`);
    if (signal.aborted || outcome.endReason === 'canceled') return this.finish(task.id, 'CANCELED', layout);
    if (outcome.endReason !== 'exited') {
      this.systemLog(task.id, `executor ${index} ended: ${outcome.endReason}${outcome.message === undefined ? '' : ` (${outcome.message})`}`);
      return this.finish(task.id, failedExecutorState(outcome.endReason), layout);
    }
    if (outcome.exitCode !== 0 && executor?.ignore_error !== true) return this.finish(task.id, 'EXECUTOR_ERROR', layout);
    return this.runExecutors(task.id, task, layout, index + 1, signal);
  }
}

/** The task with its current task log (the last one, made if there is none) changed. */
function withCurrentLog(task: StoredTesTask, change: (log: TesTaskLog) => TesTaskLog): StoredTesTask {
  const logs = task.logs.length === 0 ? [{ logs: [], outputs: [] }] : task.logs;
  return { ...task, logs: [...logs.slice(0, -1), change(logs[logs.length - 1] as TesTaskLog)] };
}

function notFound(id: string): CapstanError {
  return new CapstanError(ErrorCode.TesTaskNotFound, `no task has the id ${JSON.stringify(id)}; list tasks with GET /tasks to find its id`, { path: 'id', details: { value: id } });
}

/** The TES field of a problem found in the Capstan task built from executor `index`. */
function tesField(index: number, capstanPath: string | null): string {
  if (capstanPath === null) return `executors.${index}`;
  if (capstanPath.startsWith('env.')) return `executors.${index}.${capstanPath}`;
  if (capstanPath.startsWith('requirements.container')) return `executors.${index}.image`;
  if (capstanPath.startsWith('requirements.cpu')) return 'resources.cpu_cores';
  if (capstanPath.startsWith('requirements.memory')) return 'resources.ram_gb';
  if (capstanPath.startsWith('inputs')) return 'inputs';
  return `executors.${index}`;
}
