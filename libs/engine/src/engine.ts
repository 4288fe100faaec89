import { applyRetention, reapOrphans, type ReapReport } from '@capstan/cleanup';
import {
  type AdmissionEvent,
  type Backend,
  BackendRegistry,
  CapstanError,
  type Constraints,
  ErrorCode,
  type ExecutionInput,
  type ExecutionRequest,
  isSuccessCode,
  type Lease,
  type Resolution,
  ResourceManager,
  RUN_OUTPUTS_FOLDER,
  runFolderName,
  type Task,
  ATTEMPT_VARIABLE,
  URL_SOURCE,
} from '@capstan/core-constraints';
import { capstanLabels, labelFilter, NameGenerator, parseCapstanLabels } from '@capstan/naming';
import { setMaxListeners } from 'node:events';
import { join, resolve } from 'node:path';
import { inject, injectable } from 'tsyringe';
import { EngineOptions } from './engine-options';
import { type EngineEvent } from './events/engine-event';
import { EventHub } from './events/event-hub';
import { createAttemptFolder } from './run/attempt-folder';
import { linkSignals } from './run/linked-signal';
import { deliverOutputs } from './run/deliver-outputs';
import { LatestRunLink } from './run/latest-link';
import { OutputsManifest } from './run/outputs-manifest';
import { type ObjectOutputDir, objectOutputDir, OUTPUT_DIR_FIELD, uploadManifest } from './run/object-outputs';
import { stageInputs } from './run/stage-inputs';
import { type TaskResult } from './run/task-result';
import { executeAttempt } from './run/execute-attempt';
import { repairOwnership } from './run/repair-ownership';
import { escalateAfterOom } from './run/memory-retry';
import { missingShellLine, shellNotFound } from './run/missing-shell';
import { TaskRun } from './run/task-run';
import { BackendLedgers } from './routing/backend-ledgers';
import { type Route, routeTask } from './routing/route-task';
import { type Prepared, prepareTask } from './run/prepare-task';

export interface Plan {
  readonly task: string;
  readonly backend: string;
  /** Why the task goes to that backend: the caller's choice, its hint, the routing rule that matched, or the default. */
  readonly route: string;
  readonly resolution: Resolution;
}

export interface RunOptions {
  /** Overrides the configured backend for this task (and its hint and the routing rules). */
  readonly backend?: string;
  /** Why the caller chose `backend` (for the plan and events), e.g. "the --backend flag". */
  readonly backendReason?: string;
  /** Cancels this task alone. */
  readonly signal?: AbortSignal;
  /** This task's events alone, as they happen: a caller tracking one task need not filter the whole stream. */
  readonly onEvent?: (event: EngineEvent) => void;
  /**
   * Runs once resources are granted, before inputs are checked and the first attempt starts: work that should
   * neither happen before the task may run nor hold the queue (a TES task fetching its inputs). A rejection fails
   * the task like a failed staging.
   */
  readonly afterAdmission?: (signal: AbortSignal) => Promise<void>;
  /**
   * Given to each attempt's backend (`ExecutionRequest.beforeRemoval`): awaited with the attempt's end before the
   * backend removes its container, so a caller that must not lose a result (a TES server) stores it durably first.
   */
  readonly beforeRemoval?: ExecutionRequest['beforeRemoval'];
}

/**
 * Composes a task's life: resolve constraints on the chosen backend -> name -> admit -> stage inputs -> attempts
 * (with retries) -> collect outputs -> clean up -> result. Backends, the resource ledger and names reach it by
 * injection only.
 */
@injectable()
export class TaskEngine {
  readonly runId: string;
  /** `<work root>/<start time>-<run id>`: holds a folder per task, and `outputs/` unless an output dir is set. */
  readonly runFolder: string;
  /** Where declared outputs are published, each task in its own folder, with `outputs.json`. */
  readonly outputRoot: string;
  private readonly manifest: OutputsManifest;
  /** Where outputs are uploaded after their local publishing, when the output dir is an object store's prefix. */
  private readonly objectOutputs: ObjectOutputDir | undefined;
  private readonly latest: LatestRunLink;
  private readonly hub = new EventHub<EngineEvent>();
  /** Aborted by the second cancel: stops running attempts (gracefully: each backend's grace period applies). */
  private readonly kill = new AbortController();
  /** Aborted by `killNow`: the grace periods end at once. */
  private readonly killNowController = new AbortController();
  private draining = false;
  /** Tasks between admission request and end, by unique name: the ledger's events reach their task through it. */
  private readonly inFlight = new Map<string, TaskRun>();
  private readonly stopListening: () => void;
  /** A ledger per backend when the engine has several (EngineOptions.backendLedger); else only `resources`. */
  private readonly ledgers: BackendLedgers;

  constructor(
    @inject(BackendRegistry) private readonly registry: BackendRegistry,
    @inject(ResourceManager) private readonly resources: ResourceManager,
    @inject(NameGenerator) private readonly names: NameGenerator,
    @inject(EngineOptions) private readonly options: EngineOptions,
  ) {
    this.runId = names.runId();
    // Absolute from here on: a backend hands these folders to a runtime (a Docker bind) that has no working folder.
    const workRoot = resolve(options.workRoot);
    this.runFolder = join(workRoot, runFolderName(this.runId, new Date()));
    const remoteDir = options.outputDir !== undefined && URL_SOURCE.test(options.outputDir);
    this.objectOutputs = remoteDir ? objectOutputDir(options.outputDir as string, options.remoteFiles) : undefined;
    // A store's outputs are published in the run folder first (hard links of the checked files), then uploaded.
    this.outputRoot = options.outputDir === undefined || remoteDir ? join(this.runFolder, RUN_OUTPUTS_FOLDER) : resolve(options.outputDir);
    const objects = this.objectOutputs;
    this.manifest = new OutputsManifest(this.outputRoot, this.runId, objects && ((path) => uploadManifest(objects, path, this.outputRoot, this.kill.signal)));
    this.latest = new LatestRunLink(workRoot, this.runFolder);
    // Every running attempt listens on these two; thousands of concurrent tasks are normal, not a leak.
    setMaxListeners(0, this.kill.signal, this.killNowController.signal);
    // One subscription for every task: a listener per task would make each event cost O(tasks in flight).
    this.stopListening = this.resources.onEvent((event) => this.toTask(event));
    this.ledgers = new BackendLedgers(resources, options.backendLedger, (event) => this.toTask(event));
  }

  private toTask(event: AdmissionEvent): void {
    if (event.type === 'dropped') return;
    const { taskName, ...body } = event;
    this.inFlight.get(taskName)?.emit(body);
  }

  /** Every task's life as one stream; iterate it from as many places as you like. */
  events(): AsyncIterableIterator<EngineEvent> {
    return this.hub.subscribe();
  }

  /** Ends the event streams once the caller has no more tasks to run. */
  close(): void {
    this.stopListening();
    this.ledgers.close();
    this.hub.close();
  }

  /**
   * Stopping is three calls that each say what they do, each idempotent and each including the ones before it
   * (docs/decisions.md, "One cancel API"). `drain()`: no task or retry starts any more, and parked tasks leave the
   * queue as canceled; running attempts go on to their end.
   */
  drain(): void {
    if (this.draining) return;
    this.draining = true;
    this.ledgers.dropQueued('the run was canceled');
  }

  /** Drains, and stops running attempts gracefully: each backend signals its task and waits out its grace period. */
  stop(): void {
    this.drain();
    if (!this.kill.signal.aborted) this.kill.abort(new CapstanError(ErrorCode.Canceled, 'the run was canceled'));
  }

  /** Stops, and cuts every grace period short: running attempts are killed at once. */
  killNow(): void {
    this.stop();
    if (!this.killNowController.signal.aborted) this.killNowController.abort(new CapstanError(ErrorCode.Canceled, 'the run was killed'));
  }

  /**
   * Resolves a task on a backend without running it. Throws CapstanError when it could not run there: it makes the
   * same checks `run` makes before the first attempt (and checks the inputs as staging would), so a task that plans
   * is refused by `run` only for what changed in between.
   */
  async plan(task: Task, backendName?: string, backendReason?: string): Promise<Plan> {
    const route = this.route(task, { ...(backendName === undefined ? {} : { backend: backendName }), ...(backendReason === undefined ? {} : { backendReason }) });
    const backend = this.registry.get(route.backend);
    const { resolution } = await prepareTask(task, backend, route, this.options);
    await stageInputs(task, this.options.remoteFiles);
    return { task: task.name, backend: backend.name, route: route.reason, resolution };
  }

  /**
   * Where a task goes: the caller's choice, else (with several backends) its hint or the first matching rule, else
   * the default. One backend alone routes nothing: a single-backend configuration runs as it always did.
   */
  route(task: Task, runOptions: Pick<RunOptions, 'backend' | 'backendReason'> = {}): Route {
    if (runOptions.backend !== undefined) return { backend: runOptions.backend, reason: runOptions.backendReason ?? 'chosen by the caller' };
    const { routing } = this.options;
    return routing === undefined ? { backend: this.options.backend, reason: 'the configured backend' } : routeTask(task, routing);
  }

  /** Removes the resources of earlier Capstan processes on this host that are gone (their owner pid is dead). */
  async reapOrphans(backendName = this.options.backend, signal?: AbortSignal): Promise<ReapReport> {
    return reapOrphans(this.registry.get(backendName), { selector: managedSelector(), parseOwner: parseCapstanLabels, ...(signal ? { signal } : {}) });
  }

  async run(task: Task, runOptions: RunOptions = {}): Promise<TaskResult> {
    const uniqueName = this.names.next(task.name);
    const run = new TaskRun(this.hub, this.runId, task.name, uniqueName, join(this.runFolder, uniqueName), runOptions.backend ?? this.options.backend, runOptions.onEvent);
    // A shared signal when the caller gives none: the ledger watches each distinct signal once. A task's own is
    // unhooked from the engine's when it ends, so a long-running server does not grow by one per task.
    const linked = runOptions.signal ? linkSignals(this.kill.signal, runOptions.signal) : undefined;
    const signal = linked?.signal ?? this.kill.signal;
    let lease: Lease | undefined;
    try {
      if (this.draining) throw new CapstanError(ErrorCode.Canceled, 'the run was canceled before this task started');
      const route = this.route(task, runOptions);
      run.backend = route.backend;
      const backend = this.registry.get(route.backend);
      const prepared = await run.timed('resolveMs', () => prepareTask(task, backend, route, this.options));
      // An output dir the transfer would refuse fails the task before it runs, not after its work is done.
      if (this.objectOutputs !== undefined) await this.objectOutputs.remote.check(this.objectOutputs.url, OUTPUT_DIR_FIELD, 'out');
      const { resolution } = prepared;
      run.warnings.push(...resolution.warnings);
      // A single-backend engine routes nothing, so its events stay as they were.
      const routed = this.options.routing === undefined ? {} : { route: route.reason };
      run.emit({ type: 'resolved', backend: backend.name, ...routed, constraints: resolution.constraints, warnings: resolution.warnings });

      this.inFlight.set(uniqueName, run);
      const { cpu, memory, gpu } = resolution.constraints;
      // Each backend has its own ledger and queue: a task waiting for a busy cluster holds up no local one.
      const resources = await this.ledgers.of(backend);
      lease = await run.timed('queueMs', () => resources.acquire(uniqueName, { cpu, memory, gpu }, signal));
      if (runOptions.afterAdmission) await run.timed('stageMs', () => (runOptions.afterAdmission as NonNullable<RunOptions['afterAdmission']>)(signal));
      const inputs = await run.timed('stageMs', () => stageInputs(task, this.options.remoteFiles, { folder: run.folder, signal }));
      run.emit({ type: 'staged', inputs: inputs.length });

      // An oom retry with more memory must hold more of the ledger: the lease is taken again at the new size.
      const relet = async (next: Constraints): Promise<void> => {
        lease?.release();
        lease = await run.timed('queueMs', () => resources.acquire(uniqueName, { cpu: next.cpu, memory: next.memory, gpu: next.gpu }, signal));
      };
      const ran = await this.runAttempts(run, task, backend, prepared, inputs, signal, { relet, beforeRemoval: runOptions.beforeRemoval });
      lease?.release();
      const workDir = join(run.attempts[run.attempts.length - 1]?.folder ?? run.folder, 'work');
      const success = ran && (await deliverOutputs(run, task, workDir, this.outputRoot, this.manifest, this.objectOutputs && { target: this.objectOutputs, signal }));
      await this.retain(run, success);
      const { endReason } = run.lastEnd;
      return run.finish(success ? 'succeeded' : endReason === 'canceled' ? 'canceled' : 'failed');
    } catch (error) {
      const failure = error instanceof CapstanError ? error : new CapstanError(ErrorCode.BackendFailure, String((error as Error)?.message ?? error), { cause: error });
      lease?.release();
      const canceled = failure.code === ErrorCode.Canceled || failure.code === ErrorCode.AdmissionAborted;
      return run.finish(canceled ? 'canceled' : 'error', failure);
    } finally {
      lease?.release();
      linked?.dispose();
      this.names.release(uniqueName);
      this.inFlight.delete(uniqueName);
    }
  }

  /** Attempts until one succeeds, retries run out, or the run is canceled. Returns whether the task succeeded. */
  private async runAttempts(
    run: TaskRun,
    task: Task,
    backend: Backend,
    prepared: Prepared,
    inputs: ExecutionInput[],
    signal: AbortSignal,
    hooks: { readonly relet: (constraints: Constraints) => Promise<void>; readonly beforeRemoval: RunOptions['beforeRemoval'] },
  ): Promise<boolean> {
    const { resolution, shell, timeoutMs, memoryFactor } = prepared;
    const { relet, beforeRemoval } = hooks;
    let constraints = resolution.constraints;
    let retriesLeft = task.requirements.maxRetries;
    let preemptionsLeft = task.hints.preemptible;
    for (let attempt = 1; ; attempt += 1) {
      const attemptName = attempt === 1 ? run.uniqueName : this.names.attempt(run.uniqueName, attempt);
      const paths = await createAttemptFolder(run.folder, attempt, task.command);
      if (this.options.latestLink === true) await this.latest.point((message) => run.warn(message));
      run.emit({ type: 'attempt-started', attempt, attemptName, folder: paths.root });
      const request: ExecutionRequest = {
        runId: this.runId,
        taskName: task.name,
        attemptName,
        attempt,
        shell,
        paths,
        inputs,
        env: { ...task.env, [ATTEMPT_VARIABLE]: String(attempt) },
        constraints,
        // Capstan's own labels last: a holder label cannot unmark or re-own a container.
        labels: { ...this.options.holderLabels, ...capstanLabels({ runId: this.runId, taskName: task.name, uniqueName: attemptName, attempt }) },
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        ...(task.hints.shortTask ? { shortTask: true } : {}),
        stopNow: this.killNowController.signal,
        // Only a holder's attempts are ever taken over by a later process (see EngineOptions.holderLabels).
        ...(Object.keys(this.options.holderLabels ?? {}).length === 0 ? {} : { reattachable: true }),
        ...(beforeRemoval === undefined ? {} : { beforeRemoval }),
        ...(this.options.usageIntervalMs === undefined ? {} : { usageIntervalMs: this.options.usageIntervalMs }),
      };
      const executed = await run.timed('runMs', () => executeAttempt(backend, request, signal, (event) => run.emit({ type: 'backend', attempt, event })));
      await run.timed('cleanupMs', () => repairOwnership(run, backend, request));
      const runtimeLine = await missingShellLine(executed, paths, shell);
      const missingShell = runtimeLine === undefined ? undefined : shellNotFound(shell, constraints, runtimeLine);
      const outcome = missingShell ? { ...executed, endReason: 'error' as const, message: missingShell.message } : executed;

      const success = outcome.endReason === 'exited' && outcome.exitCode !== null && isSuccessCode(outcome.exitCode, task.requirements.returnCodes);
      const canRetry = !success && !missingShell && outcome.endReason !== 'canceled' && !this.draining && !signal.aborted;
      const preemptionRetry = canRetry && outcome.endReason === 'preempted' && preemptionsLeft > 0;
      const willRetry = preemptionRetry || (canRetry && retriesLeft > 0);
      const message = outcome.message === undefined ? {} : { message: outcome.message };
      const usage = outcome.usage === undefined ? {} : { usage: outcome.usage };
      run.attempts.push({
        attempt,
        attemptName,
        folder: paths.root,
        exitCode: outcome.exitCode,
        endReason: outcome.endReason,
        ...message,
        memory: constraints.memory,
        memoryLimit: constraints.memoryLimit,
        cpu: constraints.cpu,
        startedAt: outcome.startedAt.toISOString(),
        endedAt: outcome.endedAt.toISOString(),
        ...usage,
      });
      run.emit({ type: 'attempt-ended', attempt, exitCode: outcome.exitCode, endReason: outcome.endReason, success, willRetry, ...message, cpu: constraints.cpu, memory: constraints.memory, ...usage });
      if (missingShell) throw missingShell;
      if (!willRetry) return success;
      if (preemptionRetry) preemptionsLeft -= 1;
      else retriesLeft -= 1;
      if (outcome.endReason === 'oom') constraints = await escalateAfterOom(run, backend, constraints, memoryFactor, attempt + 1, relet);
    }
  }

  private async retain(run: TaskRun, success: boolean): Promise<void> {
    await run.timed('cleanupMs', async () => {
      try {
        run.folderDeleted = await applyRetention(run.folder, this.options.retention, success);
      } catch (error) {
        run.warn(`could not delete ${run.folder}: ${error instanceof Error ? error.message : String(error)}`);
      }
      run.emit({ type: 'cleaned', folderDeleted: run.folderDeleted });
    });
  }
}

/** The labels every resource Capstan creates carries, as a selector. */
function managedSelector(): Record<string, string> {
  return Object.fromEntries(labelFilter().label.map((pair) => pair.split('=', 2) as [string, string]));
}
