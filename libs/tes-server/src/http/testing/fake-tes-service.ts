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
import { histogramOf, QUEUE_WAIT_BUCKETS, RUN_DURATION_BUCKETS } from '../../service/histogram';
import { type TesListResult, type TesMetricsSnapshot, type TesService } from '../../service/tes-service';

/**
 * For the HTTP layer's specs only: a TesService over a Map, with tes-model's real validation, views and paging, so
 * that the HTTP answers seen are the ones the real service would cause. `failure` makes every call throw it.
 */
export class FakeTesService implements TesService {
  readonly tasks = new Map<string, StoredTesTask>();
  failure: Error | undefined;
  queueWaitSeconds: number[] = [];
  runSeconds: number[] = [];

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

  async createTask(body: unknown): Promise<{ id: string }> {
    this.failIfAsked();
    const { task } = acceptCreateTask(body, { supportedBackendParameters: ['VmSize'] });
    const stored = createStoredTask(task);
    this.tasks.set(stored.id, stored);
    return { id: stored.id };
  }

  getTask(id: string, view: TesView): TesTaskInView {
    this.failIfAsked();
    return taskView(this.find(id), view);
  }

  listTasks(query: ListQuery): TesListResult {
    this.failIfAsked();
    const page = selectTaskPage(this.tasks.values(), query);
    const tasks = page.tasks.map((task) => taskView(task, query.view));
    return page.nextPageToken === undefined ? { tasks } : { tasks, next_page_token: page.nextPageToken };
  }

  async cancelTask(id: string): Promise<void> {
    this.failIfAsked();
    const task = this.find(id);
    task.state = stateOnCancel(task.state) ?? task.state;
  }

  metrics(): TesMetricsSnapshot {
    this.failIfAsked();
    const tasksByState = Object.fromEntries(TES_STATES.map((state) => [state, 0]));
    for (const task of this.tasks.values()) tasksByState[task.state] = (tasksByState[task.state] ?? 0) + 1;
    return { tasksByState, queueWaitSeconds: histogramOf(QUEUE_WAIT_BUCKETS, this.queueWaitSeconds), runSeconds: histogramOf(RUN_DURATION_BUCKETS, this.runSeconds) };
  }

  /** The stored task, to change its state or logs in a spec. */
  find(id: string): StoredTesTask {
    const task = this.tasks.get(id);
    if (task === undefined) throw new CapstanError(ErrorCode.TesTaskNotFound, `id ${JSON.stringify(id)} names no task; list the tasks with GET /tasks`, { path: 'id' });
    return task;
  }

  private failIfAsked(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}
