import {
  type Backend,
  BackendRegistry,
  CapstanError,
  type EndReason,
  ErrorCode,
  type ExecutionResult,
  isSuccessCode,
  type Lease,
  type Resolution,
  resolveConstraints,
  ResourceManager,
  type Task,
} from '@capstan/core-constraints';
import { capstanLabels, NameGenerator } from '@capstan/naming';
import { join } from 'node:path';
import { inject, injectable } from 'tsyringe';
import { EngineOptions } from './engine-options';
import { type EngineEvent, type TaskState } from './events/engine-event';
import { EventHub } from './events/event-hub';
import { createAttemptFolder } from './run/attempt-folder';
import { type AttemptRecord, type TaskResult } from './run/task-result';
import { taskShell, taskTimeoutMs } from './run/task-options';
import { capabilityWarnings } from './run/capability-warnings';

export interface Plan {
  readonly task: string;
  readonly backend: string;
  readonly resolution: Resolution;
}

export interface RunOptions {
  /** Overrides the configured backend for this task. */
  readonly backend?: string;
  /** Cancels this task alone. */
  readonly signal?: AbortSignal;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type EventBody = DistributiveOmit<EngineEvent, 'runId' | 'taskName' | 'uniqueName' | 'time'>;

/**
 * Composes a task's life: resolve constraints on the chosen backend -> name -> admit -> attempts (with retries)
 * -> result. Backends, the resource ledger and names reach it by injection only.
 */
@injectable()
export class TaskEngine {
  readonly runId: string;
  private readonly hub = new EventHub<EngineEvent>();
  private readonly registry: BackendRegistry;
  /** Aborted by the second cancel: kills running attempts. */
  private readonly kill = new AbortController();
  private draining = false;

  constructor(
    @inject(BackendRegistry) registry: BackendRegistry,
    @inject(ResourceManager) private readonly resources: ResourceManager,
    @inject(NameGenerator) private readonly names: NameGenerator,
    @inject(EngineOptions) private readonly options: EngineOptions,
  ) {
    this.registry = registry;
    this.runId = names.runId();
  }

  /** Every task's life as one stream; iterate it from as many places as you like. */
  events(): AsyncIterableIterator<EngineEvent> {
    return this.hub.subscribe();
  }

  /** Ends the event streams once the caller has no more tasks to run. */
  close(): void {
    this.hub.close();
  }

  /**
   * Two-step cancellation. The first call stops new work: no task or retry starts, parked tasks leave the queue.
   * The second kills running attempts. Returns which step this call took.
   */
  cancel(): 'draining' | 'killing' {
    if (!this.draining) {
      this.draining = true;
      this.resources.dropQueued('the run was canceled');
      return 'draining';
    }
    this.kill.abort(new CapstanError(ErrorCode.Canceled, 'the run was canceled'));
    return 'killing';
  }

  /** Resolves a task on a backend without running it. Throws CapstanError when it could not run there. */
  async plan(task: Task, backendName = this.options.backend): Promise<Plan> {
    const backend = this.registry.get(backendName);
    return { task: task.name, backend: backend.name, resolution: await this.resolve(task, backend) };
  }

  async run(task: Task, runOptions: RunOptions = {}): Promise<TaskResult> {
    const started = performance.now();
    const uniqueName = this.names.next(task.name);
    const context = { runId: this.runId, taskName: task.name, uniqueName };
    const emit = (body: EventBody): void => this.hub.publish({ ...context, time: new Date().toISOString(), ...body } as EngineEvent);
    const signal = AbortSignal.any([this.kill.signal, ...(runOptions.signal ? [runOptions.signal] : [])]);
    const attempts: AttemptRecord[] = [];
    let backendName = runOptions.backend ?? this.options.backend;
    let warnings: readonly string[] = [];
    let resolveMs = 0;
    let queueMs = 0;
    let runMs = 0;

    let lease: Lease | undefined;
    let unsubscribe = (): void => undefined;
    const finish = (state: TaskState, error?: CapstanError): TaskResult => {
      lease?.release();
      unsubscribe();
      const last = attempts[attempts.length - 1];
      const result: TaskResult = {
        ...context,
        backend: backendName,
        state,
        exitCode: last?.exitCode ?? null,
        endReason: last?.endReason ?? null,
        attempts,
        phases: { resolveMs, queueMs, runMs, totalMs: performance.now() - started },
        warnings,
        ...(error ? { error: error.toJSON() } : {}),
      };
      emit({ type: 'finished', state, exitCode: result.exitCode, endReason: result.endReason });
      return result;
    };

    try {
      if (this.draining) throw new CapstanError(ErrorCode.Canceled, 'the run was canceled before this task started');
      const backend = this.registry.get(backendName);
      backendName = backend.name;
      const resolution = await this.resolve(task, backend);
      warnings = resolution.warnings;
      const { constraints } = resolution;
      resolveMs = performance.now() - started;
      emit({ type: 'resolved', backend: backend.name, constraints, warnings });

      unsubscribe = this.resources.onEvent((event) => {
        if (event.taskName !== uniqueName || event.type === 'dropped') return;
        const { taskName: _ledgerName, ...body } = event;
        emit(body);
      });
      lease = await this.resources.acquire(uniqueName, { cpu: constraints.cpu, memory: constraints.memory, gpu: constraints.gpu }, signal);
      queueMs = performance.now() - started - resolveMs;

      const taskFolder = join(this.options.workRoot, this.runId, uniqueName);
      const shell = taskShell(task, this.options.shell);
      const timeoutMs = taskTimeoutMs(task, this.options.timeoutMs);
      let retriesLeft = task.requirements.maxRetries;
      let preemptionsLeft = task.hints.preemptible;
      for (let attempt = 1; ; attempt += 1) {
        const attemptName = attempt === 1 ? uniqueName : this.names.attempt(uniqueName, attempt);
        const paths = await createAttemptFolder(taskFolder, attempt, task.command);
        emit({ type: 'attempt-started', attempt, attemptName, folder: paths.root });
        const attemptStart = performance.now();
        const outcome = await this.execute(backend, {
          runId: this.runId,
          taskName: task.name,
          attemptName,
          attempt,
          shell,
          paths,
          inputs: task.inputs.map((input) => ({ hostPath: input.source, guestPath: input.path, type: input.type })),
          env: task.env,
          constraints,
          labels: capstanLabels({ runId: this.runId, taskName: task.name, uniqueName: attemptName, attempt }),
          ...(timeoutMs === undefined ? {} : { timeoutMs }),
        }, signal, (event) => emit({ type: 'backend', attempt, event }));
        runMs += performance.now() - attemptStart;

        const success = outcome.endReason === 'exited' && outcome.exitCode !== null && isSuccessCode(outcome.exitCode, task.requirements.returnCodes);
        const canRetry = !success && outcome.endReason !== 'canceled' && !this.draining && !signal.aborted;
        const preemptionRetry = canRetry && outcome.endReason === 'preempted' && preemptionsLeft > 0;
        const willRetry = preemptionRetry || (canRetry && retriesLeft > 0);
        attempts.push({
          attempt,
          attemptName,
          folder: paths.root,
          exitCode: outcome.exitCode,
          endReason: outcome.endReason,
          ...(outcome.message === undefined ? {} : { message: outcome.message }),
          startedAt: outcome.startedAt.toISOString(),
          endedAt: outcome.endedAt.toISOString(),
        });
        emit({
          type: 'attempt-ended',
          attempt,
          exitCode: outcome.exitCode,
          endReason: outcome.endReason,
          success,
          willRetry,
          ...(outcome.message === undefined ? {} : { message: outcome.message }),
        });
        if (success) return finish('succeeded');
        if (outcome.endReason === 'canceled') return finish('canceled');
        if (!willRetry) return finish('failed');
        if (preemptionRetry) preemptionsLeft -= 1;
        else retriesLeft -= 1;
      }
    } catch (error) {
      const failure = error instanceof CapstanError ? error : new CapstanError(ErrorCode.BackendFailure, String((error as Error)?.message ?? error), { cause: error });
      const canceled = failure.code === ErrorCode.Canceled || failure.code === ErrorCode.AdmissionAborted;
      return finish(canceled ? 'canceled' : 'error', failure);
    } finally {
      lease?.release();
      unsubscribe();
    }
  }

  private async resolve(task: Task, backend: Backend): Promise<Resolution> {
    const capacity = await backend.capacity();
    const resolution = resolveConstraints(task.requirements, task.hints, capacity, {
      backendName: backend.name,
      cpuLimitBehavior: this.options.cpuLimitBehavior,
      memoryLimitBehavior: this.options.memoryLimitBehavior,
      gpuLimitBehavior: this.options.gpuLimitBehavior,
      defaultContainer: this.options.defaultContainer,
    });
    return { ...resolution, warnings: [...resolution.warnings, ...capabilityWarnings(resolution.constraints, backend.capabilities)] };
  }

  /** A backend that throws has failed the attempt, not the engine: the failure is recorded like any other end. */
  private async execute(
    backend: Backend,
    request: Parameters<Backend['execute']>[0],
    signal: AbortSignal,
    emit: Parameters<Backend['execute']>[2],
  ): Promise<ExecutionResult> {
    const startedAt = new Date();
    try {
      return await backend.execute(request, signal, emit);
    } catch (error) {
      const endReason: EndReason = signal.aborted ? 'canceled' : 'error';
      return { exitCode: null, endReason, message: error instanceof Error ? error.message : String(error), startedAt, endedAt: new Date() };
    }
  }
}
