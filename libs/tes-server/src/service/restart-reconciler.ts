import { type BackendRegistry, type ExecutionResult } from '@capstan/core-constraints';
import { type StoredTesTask } from '@capstan/tes-model';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { earlierCapture } from './earlier-capture';
import { failedExecutorState } from './executor-outcome';
import { capturedIn } from './executor-log';
import { findLeftovers } from './leftovers';
import { readTail } from './read-tail';
import { type Leftover, type RestartAction, restartAction } from './restart-plan';
import { type TaskDispatcher } from './task-dispatcher';
import { type TesTaskLayout } from './task-layout';
import { type TaskRecords } from './task-records';
import { type TaskRunner } from './task-runner';
import { type TesServiceOptions } from './tes-service-options';

/**
 * Picks up what an earlier server process left, so that a restart loses nothing and runs nothing twice: an
 * executor whose container exists is taken over (running) or harvested (ended while the server was down), never
 * started again; tasks no executor of which started run again from their inputs; RUNNING tasks between executors
 * go on with the next one; CANCELING tasks end CANCELED.
 */
export class RestartReconciler {
  constructor(
    private readonly records: TaskRecords,
    private readonly registry: BackendRegistry,
    private readonly runner: TaskRunner,
    private readonly dispatcher: TaskDispatcher,
    private readonly options: TesServiceOptions,
  ) {}

  async reconcileAll(): Promise<void> {
    const unfinished = this.records.store.listInStates(['QUEUED', 'INITIALIZING', 'RUNNING', 'CANCELING']);
    const { found: leftovers, strays } = await findLeftovers(this.registry, unfinished, this.options, (task) => this.backendOf(task));
    for (const stray of strays) await this.removeLeftover(stray);
    for (const task of unfinished) {
      const found = leftovers.get(task.id) ?? [];
      const action = restartAction(task, found);
      // Besides a container taken over, what is left was never started, or belongs to a task being canceled.
      for (const item of found) if (action.kind !== 'take-over' || item !== action.leftover) await this.removeLeftover(item);
      if (action.kind === 'cancel') this.records.setState(task.id, 'CANCELED');
      else if (action.kind === 'rerun') this.dispatcher.enqueue(task.id);
      else await this.reconcile(task, action);
    }
  }

  /** Where the task's executors were sent; a task that cannot be routed (a changed configuration) is looked for on the default. */
  private backendOf(task: StoredTesTask): string {
    try {
      return this.runner.routeOf(task.id, task).backend;
    } catch {
      return this.options.defaultBackend;
    }
  }

  private async removeLeftover(item: Leftover): Promise<void> {
    await this.registry.get(item.backend).removeManaged?.(item.resource);
  }

  /** Goes on with a task an earlier process left past its start (see {@link restartAction}), outside the queue. */
  private async reconcile(task: StoredTesTask, action: Exclude<RestartAction, { kind: 'cancel' | 'rerun' }>): Promise<void> {
    const layout = this.runner.layoutOf(task.id, task);
    if (action.kind === 'lost' || action.kind === 'executor-error') {
      if (action.kind === 'lost') this.records.systemLog(task.id, `the server restarted while executor ${action.index} ran, and its container was gone by then, so its result is lost; send the task again`);
      this.records.emit({ type: 'reconciled', taskId: task.id, outcome: action.kind === 'lost' ? 'SYSTEM_ERROR' : 'EXECUTOR_ERROR' });
      return this.runner.finish(task.id, action.kind === 'lost' ? 'SYSTEM_ERROR' : 'EXECUTOR_ERROR', layout);
    }
    if (action.kind === 'take-over' && this.registry.get(action.leftover.backend).reattach === undefined) {
      await this.removeLeftover(action.leftover);
      this.records.systemLog(task.id, `the server restarted while the task ran, and the ${action.leftover.backend} backend cannot take over a container; it was removed; send the task again`);
      this.records.emit({ type: 'reconciled', taskId: task.id, outcome: 'SYSTEM_ERROR' });
      return this.runner.finish(task.id, 'SYSTEM_ERROR', layout);
    }
    const from = action.kind === 'take-over' ? action.leftover.index : action.from;
    this.records.emit({ type: 'reconciled', taskId: task.id, outcome: action.kind === 'take-over' ? `took over executor ${from} (${action.leftover.resource.state})` : `goes on with executor ${from}` });
    this.dispatcher.launch(task.id, (signal) =>
      action.kind === 'take-over' ? this.resume(task, action.leftover, layout, signal) : this.runner.runExecutors(task.id, task, layout, from, signal),
    );
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
    const paths = capturedIn(folder);
    // What the earlier process captured comes first; the take-over appends what the container prints from now on.
    const earlier = await earlierCapture(join(this.options.dataDir, 'work'), leftover.resource.labels);
    const warn = (message: string): void => this.records.systemLog(task.id, `executor ${index}: ${message}`);
    const before = (stream: 'stdoutFile' | 'stderrFile'): Promise<string> =>
      earlier === undefined ? Promise.resolve('') : readTail(dirname(earlier[stream]), basename(earlier[stream]), this.options.logTailBytes, warn);
    await Promise.all([writeFile(paths.stdoutFile, await before('stdoutFile')), writeFile(paths.stderrFile, await before('stderrFile'))]);
    const beforeRemoval = (end: ExecutionResult): Promise<void> => this.runner.storeEnd(task.id, task, layout, index, folder, end);
    const outcome = await (backend.reattach as NonNullable<typeof backend.reattach>)(leftover.resource, { ...paths, beforeRemoval }, signal);
    this.records.putExecutorLog(task.id, index, await this.runner.executorLog(task.id, task, layout, index, paths, outcome));
    this.runner.recordEnded(task.id, index, outcome);
    // Whether the engine kept a copy of the output is the backend's configuration (logCopy), not known here.
    const how =
      leftover.resource.state === 'running'
        ? 'it still ran; its log holds what it printed while the server was down if the engine kept a copy of its output (logCopy)'
        : `it had ended (${leftover.resource.state}) while the server was down; its exit code was read from its container, its output from the engine's copy (logCopy), else only what it printed before the server stopped`;
    this.records.systemLog(task.id, `executor ${index} was re-attached after a server restart: ${how}`);
    if (signal.aborted || outcome.endReason === 'canceled') return this.runner.finish(task.id, 'CANCELED', layout);
    if (outcome.endReason !== 'exited') {
      this.records.systemLog(task.id, `executor ${index} ended: ${outcome.endReason}${outcome.message === undefined ? '' : ` (${outcome.message})`}`);
      return this.runner.finish(task.id, failedExecutorState(outcome.endReason), layout);
    }
    if (outcome.exitCode !== 0 && task.executors[index]?.ignore_error !== true) return this.runner.finish(task.id, 'EXECUTOR_ERROR', layout);
    return this.runner.runExecutors(task.id, task, layout, index + 1, signal);
  }
}
