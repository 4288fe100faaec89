import { useEffect, useState } from 'preact/hooks';
import { callApi, explain, TES, type TesList, type TesTask } from './api';
import { useTesEvents, useThrottled } from './hub';
import { StateBadge, when } from './parts';

export const USAGE_PREFIX = 'capstan.usage.';

interface ServiceInfo {
  readonly name?: string;
  readonly version?: string;
  readonly storage?: readonly string[];
  readonly environment?: string;
}

interface ServerFacts {
  readonly info: ServiceInfo;
  readonly byState: Readonly<Record<string, number>>;
  readonly backend: string | undefined;
  readonly maxRunning: number | undefined;
  readonly failures: TesTask[];
}

/** The figures of the Prometheus text that the view shows: tasks by state, the backend and the running-task limit. */
export function readMetrics(text: string): { byState: Record<string, number>; backend: string | undefined; maxRunning: number | undefined } {
  const byState: Record<string, number> = {};
  let backend: string | undefined;
  let maxRunning: number | undefined;
  for (const line of text.split('\n')) {
    const state = /^capstan_tes_tasks\{state="([A-Z_]+)"\} (\d+)/.exec(line);
    if (state?.[1] !== undefined) byState[state[1]] = Number(state[2]);
    const info = /^capstan_tes_backend_info\{backend="([^"]*)"\} 1/.exec(line);
    if (info?.[1] !== undefined) backend = info[1];
    const limit = /^capstan_tes_max_running_tasks (\d+)/.exec(line);
    if (limit?.[1] !== undefined) maxRunning = Number(limit[1]);
  }
  return { byState, backend, maxRunning };
}

async function readServer(): Promise<ServerFacts> {
  const failed = (state: string) => callApi<TesList>(`${TES}/tasks?view=BASIC&page_size=5&state=${state}`);
  const [info, metrics, executorErrors, systemErrors] = await Promise.all([
    callApi<ServiceInfo>(`${TES}/service-info`),
    callApi<string>('metrics'),
    failed('EXECUTOR_ERROR'),
    failed('SYSTEM_ERROR'),
  ]);
  const failures = [...executorErrors.tasks, ...systemErrors.tasks].sort((a, b) => (b.creation_time ?? '').localeCompare(a.creation_time ?? '')).slice(0, 8);
  return { info, ...readMetrics(metrics), failures };
}

/** The server: what it is, what it runs now, what waits, and what failed last; re-read when task states change. */
export function ServerView() {
  const [facts, setFacts] = useState<ServerFacts | undefined>(undefined);
  const [problem, setProblem] = useState<string | null>(null);
  const [reloads, setReloads] = useState(0);
  useEffect(() => {
    readServer().then(
      (answer) => {
        setFacts(answer);
        setProblem(null);
      },
      (error: unknown) => setProblem(explain(error)),
    );
  }, [reloads]);
  const reload = useThrottled(() => setReloads((count) => count + 1), 2000);
  useTesEvents((event) => {
    if (event.event === 'state' || event.event === 'gap') reload();
  });
  if (facts === undefined) return problem === null ? <p role="status">Loading…</p> : <p class="error" role="alert">{problem}</p>;
  const running = (facts.byState['RUNNING'] ?? 0) + (facts.byState['INITIALIZING'] ?? 0);
  return (
    <section id="server-view" aria-labelledby="server-title">
      <h2 id="server-title">Server</h2>
      {problem === null ? null : <p class="error" role="alert">{problem}</p>}
      <dl class="facts">
        <dt>Service</dt>
        <dd>
          {facts.info.name ?? ''} {facts.info.version ?? ''}
        </dd>
        <dt>Backend</dt>
        <dd id="server-backend">{facts.backend ?? 'not reported'}</dd>
        <dt>Running (capacity in use)</dt>
        <dd id="server-running">
          {running}
          {facts.maxRunning === undefined || facts.maxRunning === 0 ? ' (no task limit; the backend admits by cpu and memory)' : ` of ${facts.maxRunning}`}
        </dd>
        <dt>Queue depth</dt>
        <dd id="server-queued">{facts.byState['QUEUED'] ?? 0}</dd>
        <dt>Storage</dt>
        <dd>{(facts.info.storage ?? []).join(', ')}</dd>
      </dl>
      <h3>Tasks by state</h3>
      <table id="state-counts">
        <tbody>
          {Object.entries(facts.byState).map(([state, count]) => (
            <tr data-state={state}>
              <th scope="row">{state}</th>
              <td>{count}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Recent failures</h3>
      {facts.failures.length === 0 ? (
        <p id="no-failures">None.</p>
      ) : (
        <ul id="failures">
          {facts.failures.map((task) => (
            <li data-task={task.id}>
              <a href={`#/tasks/${encodeURIComponent(task.id)}`}>{task.name === undefined || task.name === '' ? task.id : task.name}</a> <StateBadge state={task.state} /> {when(task.creation_time)}
            </li>
          ))}
        </ul>
      )}
      <p class="note">From service-info, /metrics (tasks by state, backend, task limit) and ListTasks (the last failures).</p>
    </section>
  );
}
