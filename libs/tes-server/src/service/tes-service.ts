import { type ListQuery, type TesServiceInfo, type TesTaskInView, type TesView } from '@capstan/tes-model';
import { type TesTaskJson } from '@capstan/tes-store';
import type { InjectionToken } from 'tsyringe';
import { type EventJournal } from './event-journal';
import { type HistogramSnapshot } from './histogram';
import { type Principal } from './principal';

/** One ListTasks answer, the spec's shape, each task as the JSON text of its view (sent as it is, not serialised again). */
export interface TesListResult {
  readonly tasks: readonly TesTaskJson[];
  readonly next_page_token?: string;
}

/** What /metrics reports; the HTTP layer renders it in the Prometheus text format. */
export interface TesMetricsSnapshot {
  /** Tasks stored, by TES state (every state present, 0 when none). */
  readonly tasksByState: Readonly<Record<string, number>>;
  /** Seconds from creation to the first executor's start, of tasks that started since the server did. */
  readonly queueWaitSeconds: HistogramSnapshot;
  /** Seconds from the first executor's start to the task's end, of tasks that ended since the server did. */
  readonly runSeconds: HistogramSnapshot;
  /** The highest memory a task held (its executors' highest), of tasks ended since the server started whose backend read it. */
  readonly peakMemoryBytes: HistogramSnapshot;
  /** CPU seconds (user and system) a task used over its executors, of tasks ended since the server started. */
  readonly cpuSeconds: HistogramSnapshot;
  /** The backend tasks run on by default, and how many may run at once (the dashboard's server view shows both). */
  readonly capacity?: { readonly backend: string; readonly maxRunningTasks: number };
}

/**
 * The TES operations, independent of HTTP. Every failure is a CapstanError whose code the HTTP layer maps to a status:
 * tes.invalid_task / tes.unsupported_backend_parameters / tes.invalid_query -> 400, tes.task_not_found -> 404,
 * tes.body_too_large -> 413, transfer.refused -> 400, anything else -> 500.
 *
 * `caller` is the principal of the request: a task belongs to the principal that created it, and a principal that is
 * not an admin sees, lists and cancels only its own; another's task is tes.task_not_found, exactly as an unknown id.
 */
export interface TesService {
  serviceInfo(): TesServiceInfo;
  /** Validates, stores (QUEUED, owned by `caller`) and schedules the task; resolves once it is stored. */
  createTask(body: unknown, caller: Principal): Promise<{ id: string }>;
  getTask(id: string, view: TesView, caller: Principal): TesTaskInView;
  listTasks(query: ListQuery, caller: Principal): TesListResult;
  /** Cancels a task; a task already in a final state is left as it is (a no-op, not an error). */
  cancelTask(id: string, caller: Principal): Promise<void>;
  metrics(): TesMetricsSnapshot;
  /** The live events (states, executors, usage, system logs) and the last ones kept for clients that reconnect. */
  readonly events: TesEventFeed;
}

/** What the HTTP layer needs of the journal: the events after an id, and the ones to come. */
export type TesEventFeed = Pick<EventJournal, 'after' | 'subscribe'>;

export const TesService: InjectionToken<TesService> = Symbol.for('capstan.TesService');
