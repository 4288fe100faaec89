import { BackendRegistry, CapstanError, ErrorCode } from '@capstan/core-constraints';
import { TaskEngine } from '@capstan/engine';
import {
  acceptCreateTask,
  CAPSTAN_TES_DESCRIPTION,
  createStoredTask,
  type ListQuery,
  stateOnCancel,
  type StoredTesTask,
  TES_ARTIFACT,
  TES_SERVICE_GROUP,
  TES_SPEC_VERSION,
  TES_STATES,
  type TesServiceInfo,
  type TesTaskInView,
  type TesView,
} from '@capstan/tes-model';
import { TesTaskStore } from '@capstan/tes-store';
import { FileTransfer } from '@capstan/transfer';
import { inject, injectable } from 'tsyringe';
import { checkBackend, checkRunnable } from './create-checks';
import { CreateBatcher } from './create-batcher';
import { EventJournal } from './event-journal';
import { maySee, type Principal } from './principal';
import { RestartReconciler } from './restart-reconciler';
import { TaskDispatcher } from './task-dispatcher';
import { taskCreated } from './task-created';
import { TaskRecords, type TesServiceEvent } from './task-records';
import { TaskRunner } from './task-runner';
import { checkTaskSize } from './task-size';
import { SUPPORTED_BACKEND_PARAMETERS, TesServiceOptions } from './tes-service-options';
import { type TesListResult, type TesMetricsSnapshot, type TesService } from './tes-service';

export { type TesServiceEvent } from './task-records';

/**
 * The TES operations on Capstan's engine, composed of one part per concern: creates are batched into the store
 * ({@link CreateBatcher}), queued and run a few at a time ({@link TaskDispatcher}), each run by {@link TaskRunner}, and
 * what an earlier process left is picked up at start ({@link RestartReconciler}); all write through {@link TaskRecords}.
 */
@injectable()
export class EngineTesService implements TesService {
  private readonly records: TaskRecords;
  private readonly creates: CreateBatcher;
  private readonly dispatcher: TaskDispatcher;
  private readonly runner: TaskRunner;
  private readonly reconciler: RestartReconciler;
  readonly events: EventJournal;

  constructor(
    @inject(TesTaskStore) private readonly store: TesTaskStore,
    @inject(TaskEngine) engine: TaskEngine,
    @inject(BackendRegistry) registry: BackendRegistry,
    @inject(FileTransfer) private readonly mover: FileTransfer,
    @inject(TesServiceOptions) private readonly options: TesServiceOptions,
  ) {
    this.records = new TaskRecords(store, options.dataDir);
    this.events = new EventJournal(options.eventBufferSize, (id) => store.ownerOf(id));
    this.records.subscribe((event) => this.events.append(event));
    this.runner = new TaskRunner(this.records, engine, mover, options);
    this.dispatcher = new TaskDispatcher(
      options,
      (id, signal) => this.runner.runQueued(id, signal),
      (id, error) => this.runner.endUnexpectedly(id, error),
    );
    // Announced before it is queued, so a stream shows a task's creation before any of its states.
    this.creates = new CreateBatcher(store, (task, owner) => {
      this.events.append(taskCreated(task, owner));
      this.dispatcher.enqueue(task.id);
    });
    this.reconciler = new RestartReconciler(this.records, registry, this.runner, this.dispatcher, options);
  }

  /** Listens to state changes, transfers and reconciliations; returns the function that stops listening. */
  subscribe(listener: (event: TesServiceEvent) => void): () => void {
    return this.records.subscribe(listener);
  }

  serviceInfo(): TesServiceInfo {
    const info = this.options.serviceInfo;
    return {
      id: info.id,
      name: info.name,
      type: { group: TES_SERVICE_GROUP, artifact: TES_ARTIFACT, version: TES_SPEC_VERSION },
      description: CAPSTAN_TES_DESCRIPTION,
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
    if (this.records.closed) return Promise.reject(new CapstanError(ErrorCode.BackendUnavailable, 'the server is shutting down; send the task again once it is back'));
    const { task, warnings } = acceptCreateTask(body, { supportedBackendParameters: SUPPORTED_BACKEND_PARAMETERS });
    checkBackend(task, this.options);
    checkRunnable(task, this.mover);
    const stored = createStoredTask(task);
    const withWarnings: StoredTesTask = warnings.length === 0 ? stored : { ...stored, logs: [{ logs: [], outputs: [], system_logs: warnings }] };
    checkTaskSize(withWarnings, this.options.maxTaskBytes);
    return this.creates.add(withWarnings, caller.name).then(() => ({ id: stored.id }));
  }

  getTask(id: string, view: TesView, caller: Principal): TesTaskInView {
    this.checkVisible(id, caller);
    const task = this.store.getView(id, view);
    if (task === undefined) throw notFound(id);
    return task;
  }

  listTasks(query: ListQuery, caller: Principal): TesListResult {
    const page = this.store.listJson(query, caller.admin ? undefined : caller.name);
    return page.nextPageToken === undefined ? { tasks: page.tasks } : { tasks: page.tasks, next_page_token: page.nextPageToken };
  }

  cancelTask(id: string, caller: Principal): Promise<void> {
    const owner = this.store.ownerOf(id);
    if (owner === undefined || !maySee(caller, owner)) return Promise.reject(notFound(id));
    const task = this.store.get(id);
    if (task === undefined) return Promise.reject(notFound(id));
    if (stateOnCancel(task.state) === undefined) return Promise.resolve();
    this.records.setState(id, 'CANCELING');
    // A running task is ended CANCELED by its run; a queued one here.
    if (!this.dispatcher.cancel(id)) this.records.setState(id, 'CANCELED');
    return Promise.resolve();
  }

  metrics(): TesMetricsSnapshot {
    const counts = this.store.countByState();
    return {
      tasksByState: Object.fromEntries(TES_STATES.map((state) => [state, counts[state] ?? 0])),
      queueWaitSeconds: this.runner.queueWait.snapshot(),
      runSeconds: this.runner.runTimes.snapshot(),
      peakMemoryBytes: this.runner.peakMemory.snapshot(),
      cpuSeconds: this.runner.cpuSeconds.snapshot(),
      capacity: { backend: this.options.defaultBackend, maxRunningTasks: this.options.maxRunningTasks },
    };
  }

  /** Reconciles what an earlier server process left (see {@link RestartReconciler}). */
  start(): Promise<void> {
    return this.reconciler.reconcileAll();
  }

  /**
   * Stops taking work and waits for nothing: what runs keeps running in its containers, and the next start
   * reconciles it from the store. Writes no further state.
   */
  close(): void {
    this.records.close();
    this.dispatcher.close();
  }

  /** Resolves when every task this process started has ended (for tests and a draining shutdown). */
  idle(): Promise<void> {
    return this.dispatcher.idle();
  }

  /** Another principal's task is not found, in the same words as an unknown id: no oracle of which ids exist. */
  private checkVisible(id: string, caller: Principal): void {
    const owner = this.store.ownerOf(id);
    if (owner !== undefined && !maySee(caller, owner)) throw notFound(id);
  }
}

function notFound(id: string): CapstanError {
  return new CapstanError(ErrorCode.TesTaskNotFound, `no task has the id ${JSON.stringify(id)}; list tasks with GET /tasks to find its id`, { path: 'id', details: { value: id } });
}
