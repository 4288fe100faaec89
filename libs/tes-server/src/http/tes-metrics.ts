import { TES_STATES } from '@capstan/tes-model';
import { type TesMetricsSnapshot } from '../service/tes-service';
import { renderCounter, renderGauge, renderHistogram, type Sample } from './prometheus-text';


/** Counts answered requests by method, route template and status; what `/metrics` reports about HTTP. */
export class HttpRequestCounter {
  private readonly counts = new Map<string, { method: string; route: string; status: string; count: number }>();

  count(method: string, route: string, status: number): void {
    const key = JSON.stringify([method, route, status]);
    const entry = this.counts.get(key) ?? { method, route, status: String(status), count: 0 };
    entry.count += 1;
    this.counts.set(key, entry);
  }

  samples(): Sample[] {
    return [...this.counts.values()].map(({ method, route, status, count }) => ({ labels: { method, route, status }, value: count }));
  }
}

/** The whole `/metrics` page: the service's snapshot and the HTTP counters, in the Prometheus text format. */
export function renderTesMetrics(snapshot: TesMetricsSnapshot, requests: HttpRequestCounter, streams: { readonly open: number; readonly dropped: number }): string {
  const states = [...new Set([...TES_STATES, ...Object.keys(snapshot.tasksByState)])];
  const lines = [
    ...renderGauge(
      'capstan_tes_tasks',
      'Tasks stored, by TES state.',
      states.map((state) => ({ labels: { state }, value: snapshot.tasksByState[state] ?? 0 })),
    ),
    ...renderHistogram(
      'capstan_tes_task_queue_wait_seconds',
      'Seconds from a task\'s creation to its first executor\'s start, of tasks started since the server started.',
      snapshot.queueWaitSeconds,
    ),
    ...renderHistogram(
      'capstan_tes_task_run_seconds',
      'Seconds from a task\'s first executor\'s start to its end, of tasks ended since the server started.',
      snapshot.runSeconds,
    ),
    ...renderHistogram(
      'capstan_tes_task_peak_memory_bytes',
      'The highest memory a task held (the highest of its executors), of tasks ended since the server started whose backend read it.',
      snapshot.peakMemoryBytes,
    ),
    ...renderHistogram(
      'capstan_tes_task_cpu_seconds',
      'CPU seconds (user and system) a task used over its executors, of tasks ended since the server started whose backend read them.',
      snapshot.cpuSeconds,
    ),
    ...(snapshot.capacity === undefined
      ? []
      : [
          ...renderGauge('capstan_tes_backend_info', 'The backend tasks run on unless they name another (always 1; the name is the label).', [{ labels: { backend: snapshot.capacity.backend }, value: 1 }]),
          ...renderGauge('capstan_tes_max_running_tasks', 'Tasks that may run at once (api.maxRunningTasks); the backend may admit fewer by cpu and memory.', [{ labels: {}, value: snapshot.capacity.maxRunningTasks }]),
        ]),
    ...renderGauge('capstan_tes_event_streams', 'Event streams open (GET /ga4gh/tes/v1/events).', [{ labels: {}, value: streams.open }]),
    ...renderCounter('capstan_tes_event_streams_dropped_total', 'Event streams dropped because their client read too slowly.', [{ labels: {}, value: streams.dropped }]),
    ...renderCounter('capstan_tes_http_requests_total', 'HTTP requests answered, by method, route template and status.', requests.samples()),
  ];
  return `${lines.join('\n')}\n`;
}
