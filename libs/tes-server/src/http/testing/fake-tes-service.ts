import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import {
  acceptCreateTask,
  createStoredTask,
  type ListQuery,
  selectTaskPage,
  stateOnCancel,
  type StoredTesTask,
  TES_STATES,
  type TesServiceInfo,
  type TesTaskInView,
  type TesView,
  taskView,
} from '@capstan/tes-model';
import { CPU_SECONDS_BUCKETS, histogramOf, PEAK_MEMORY_BUCKETS, QUEUE_WAIT_BUCKETS, RUN_DURATION_BUCKETS } from '../../service/histogram';
import { EventJournal } from '../../service/event-journal';
import { maySee, type Principal } from '../../service/principal';
import { taskCreated } from '../../service/task-created';
import { type TesListResult, type TesMetricsSnapshot, type TesService } from '../../service/tes-service';

/**
 * For the HTTP layer's specs only: a TesService over a Map, with tes-model's real validation, views and paging, so
 * that the HTTP answers seen are the ones the real service would cause. `failure` makes every call throw it.
 */
export class FakeTesService implements TesService {
  readonly tasks = new Map<string, StoredTesTask>();
  readonly owners = new Map<string, string>();
  /** The principal of each call, in order, so specs can see who the HTTP layer said was calling. */
  readonly callers: Principal[] = [];
  failure: Error | undefined;
  /** A real journal: a spec appends service events to it (`events.append`) as the engine's service would. */
  readonly events = new EventJournal(100, (id) => this.owners.get(id));
  queueWaitSeconds: number[] = [];
  runSeconds: number[] = [];
  peakMemoryBytes: number[] = [];
  cpuSeconds: number[] = [];
  capacity: TesMetricsSnapshot['capacity'] = undefined;

  serviceInfo(): TesServiceInfo {
    this.failIfAsked();
    return {
      id: 'org.example.capstan',
      name: 'Capstan test TES',
      type: { group: 'org.ga4gh', artifact: 'tes', version: '1.1.0' },
      organization: { name: 'Example', url: 'https://example.org' },
      version: '0.0.0-test',
      storage: ['file:///tmp'],
      tesResources_backend_parameters: ['VmSize'],
    };
  }

  async createTask(body: unknown, caller: Principal): Promise<{ id: string }> {
    this.failIfAsked();
    this.callers.push(caller);
    const { task } = acceptCreateTask(body, { supportedBackendParameters: ['VmSize'] });
    const stored = createStoredTask(task);
    this.tasks.set(stored.id, stored);
    this.owners.set(stored.id, caller.name);
    this.events.append(taskCreated(stored, caller.name));
    return { id: stored.id };
  }

  getTask(id: string, view: TesView, caller: Principal): TesTaskInView {
    this.failIfAsked();
    this.callers.push(caller);
    return taskView(this.find(id, caller), view);
  }

  listTasks(query: ListQuery, caller: Principal): TesListResult {
    this.failIfAsked();
    this.callers.push(caller);
    const visible = [...this.tasks.values()].filter((task) => maySee(caller, this.owners.get(task.id) ?? ''));
    const page = selectTaskPage(visible, query);
    const tasks = page.tasks.map((task) => ({ id: task.id, json: JSON.stringify(taskView(task, query.view)) }));
    return page.nextPageToken === undefined ? { tasks } : { tasks, next_page_token: page.nextPageToken };
  }

  async cancelTask(id: string, caller: Principal): Promise<void> {
    this.failIfAsked();
    this.callers.push(caller);
    const task = this.find(id, caller);
    task.state = stateOnCancel(task.state) ?? task.state;
  }

  metrics(): TesMetricsSnapshot {
    this.failIfAsked();
    const tasksByState = Object.fromEntries(TES_STATES.map((state) => [state, 0]));
    for (const task of this.tasks.values()) tasksByState[task.state] = (tasksByState[task.state] ?? 0) + 1;
    return {
      tasksByState,
      queueWaitSeconds: histogramOf(QUEUE_WAIT_BUCKETS, this.queueWaitSeconds),
      runSeconds: histogramOf(RUN_DURATION_BUCKETS, this.runSeconds),
      peakMemoryBytes: histogramOf(PEAK_MEMORY_BUCKETS, this.peakMemoryBytes),
      cpuSeconds: histogramOf(CPU_SECONDS_BUCKETS, this.cpuSeconds),
      ...(this.capacity === undefined ? {} : { capacity: this.capacity }),
    };
  }

  /** The stored task, to change its state or logs in a spec; as `caller` would find it, when given. */
  find(id: string, caller?: Principal): StoredTesTask {
    const task = this.tasks.get(id);
    if (task === undefined || (caller !== undefined && !maySee(caller, this.owners.get(id) ?? ''))) throw new CapstanError(ErrorCode.TesTaskNotFound, `id ${JSON.stringify(id)} names no task; list the tasks with GET /tasks`, { path: 'id' });
    return task;
  }

  private failIfAsked(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}
