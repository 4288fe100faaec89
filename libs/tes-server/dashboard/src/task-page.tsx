import { useEffect, useRef, useState } from 'preact/hooks';
import { callApi, explain, TES, type TesTask } from './api';
import { useTesEvents, useThrottled } from './hub';
import { bytes, StateBadge, when } from './parts';
import { UsageChart, type UsagePoint } from './usage-chart';

const FINAL = ['COMPLETE', 'EXECUTOR_ERROR', 'SYSTEM_ERROR', 'CANCELED', 'PREEMPTED'];

/** One task: its executors, states with times, files, log tails and usage, re-read when its events arrive. */
export function TaskPage(props: { id: string }) {
  const [task, setTask] = useState<TesTask | undefined>(undefined);
  const [problem, setProblem] = useState<string | null>(null);
  const [states, setStates] = useState<{ state: string; time: string }[]>([]);
  const [usage, setUsage] = useState<UsagePoint[]>([]);
  const [reloads, setReloads] = useState(0);
  const dialog = useRef<HTMLDialogElement>(null);
  const path = `${TES}/tasks/${encodeURIComponent(props.id)}`;

  useEffect(() => {
    const stop = new AbortController();
    callApi<TesTask>(`${path}?view=FULL`, { signal: stop.signal }).then(
      (answer) => {
        setTask(answer);
        setProblem(null);
      },
      (error: unknown) => {
        if (!stop.signal.aborted) setProblem(explain(error));
      },
    );
    return () => stop.abort();
  }, [path, reloads]);
  const reload = useThrottled(() => setReloads((count) => count + 1), 1000);
  // The server refreshes a running executor's log tails every 2 s without an event; usage events (every
  // engine.usageIntervalSeconds) re-read it too, and this keeps the tails moving when usage is off. One task, not all.
  const running = task?.state === 'RUNNING';
  useEffect(() => {
    if (!running) return undefined;
    const timer = setInterval(reload, 5000);
    return () => clearInterval(timer);
  }, [running]);
  useTesEvents((event) => {
    if (event.data.taskId !== props.id) return;
    if (event.event === 'state' && event.data.state !== undefined) {
      const state = event.data.state;
      setStates((known) => [...known, { state, time: event.data.time ?? new Date().toISOString() }]);
      setTask((known) => (known === undefined ? known : { ...known, state }));
    }
    if (event.event === 'usage') {
      const point: UsagePoint = { seconds: event.data.elapsedSeconds ?? 0, memoryBytes: event.data.memoryBytes, cpuPercent: event.data.cpuPercent };
      setUsage((known) => [...known.slice(-599), point]);
    }
    reload();
  });

  const cancel = async () => {
    dialog.current?.close();
    try {
      await callApi(`${path}:cancel`, { method: 'POST' });
      reload();
    } catch (error) {
      setProblem(explain(error));
    }
  };
  if (task === undefined) return problem === null ? <p role="status">Loading…</p> : <p class="error" role="alert">{problem}</p>;
  const log = task.logs?.[task.logs.length - 1];
  const final = FINAL.includes(task.state ?? '');
  return (
    <article id="task-page" data-task={task.id} aria-labelledby="task-title">
      <p>
        <a href="#/">← All tasks</a>
      </p>
      <h2 id="task-title">{task.name === undefined || task.name === '' ? task.id : task.name}</h2>
      {problem === null ? null : <p class="error" role="alert">{problem}</p>}
      <dl class="facts">
        <dt>State</dt>
        <dd id="task-state">
          <StateBadge state={task.state} />
        </dd>
        <dt>Id</dt>
        <dd class="mono">{task.id}</dd>
        <dt>Created</dt>
        <dd>{when(task.creation_time)}</dd>
        <dt>Started</dt>
        <dd>{when(log?.start_time)}</dd>
        <dt>Ended</dt>
        <dd>{when(log?.end_time)}</dd>
        <dt>Tags</dt>
        <dd>{Object.entries(task.tags ?? {}).map(([key, value]) => `${key}=${value}`).join(', ')}</dd>
      </dl>
      <button type="button" id="cancel-task" disabled={final} onClick={() => dialog.current?.showModal()}>
        Cancel task…
      </button>
      <dialog ref={dialog} id="cancel-dialog" aria-labelledby="cancel-title">
        <h3 id="cancel-title">Cancel this task?</h3>
        <p>Its running executor is stopped and it ends CANCELED. This cannot be undone.</p>
        <button type="button" id="cancel-confirm" onClick={() => void cancel()}>
          Cancel the task
        </button>
        <button type="button" id="cancel-keep" onClick={() => dialog.current?.close()}>
          Keep it running
        </button>
      </dialog>
      {states.length === 0 ? null : (
        <section aria-labelledby="states-title">
          <h3 id="states-title">States seen on this page</h3>
          <ol id="state-history">
            {states.map((entry) => (
              <li data-state={entry.state} data-time={entry.time}>
                {entry.state} at {when(entry.time)}
              </li>
            ))}
          </ol>
        </section>
      )}
      <section aria-labelledby="executors-title">
        <h3 id="executors-title">Executors</h3>
        {(task.executors ?? []).map((executor, index) => {
          const run = log?.logs?.[index];
          return (
            <div class="executor" data-executor={index}>
              <h4>
                Executor {index}: <span class="mono">{executor.image}</span>
              </h4>
              <p class="mono">{executor.command.join(' ')}</p>
              <p>
                {run === undefined ? 'Not started.' : `Started ${when(run.start_time)}${run.end_time === undefined ? ', running' : `, ended ${when(run.end_time)}, exit code ${run.exit_code ?? 'unknown'}`}`}
              </p>
              <h5>stdout (tail)</h5>
              <pre class="log stdout" tabIndex={0}>{run?.stdout ?? ''}</pre>
              <h5>stderr (tail)</h5>
              <pre class="log stderr" tabIndex={0}>{run?.stderr ?? ''}</pre>
            </div>
          );
        })}
      </section>
      <section aria-labelledby="usage-title">
        <h3 id="usage-title">Resource usage</h3>
        <UsageChart points={usage} metadata={log?.metadata ?? {}} />
      </section>
      <section aria-labelledby="files-title">
        <h3 id="files-title">Inputs and outputs</h3>
        <table id="files">
          <thead>
            <tr>
              <th scope="col">Kind</th>
              <th scope="col">Path in the container</th>
              <th scope="col">URL</th>
              <th scope="col">Size</th>
            </tr>
          </thead>
          <tbody>
            {(task.inputs ?? []).map((input) => (
              <tr>
                <td>input</td>
                <td class="mono">{input.path}</td>
                <td class="mono">{input.url ?? '(content)'}</td>
                <td />
              </tr>
            ))}
            {(task.outputs ?? []).map((output) => (
              <tr>
                <td>output</td>
                <td class="mono">{output.path}</td>
                <td class="mono">{output.url}</td>
                <td>{bytes(Number(log?.outputs?.find((file) => file.url === output.url)?.size_bytes ?? Number.NaN))}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {(log?.system_logs ?? []).length === 0 ? null : (
        <section aria-labelledby="system-title">
          <h3 id="system-title">System log</h3>
          <pre class="log system" tabIndex={0}>{(log?.system_logs ?? []).join('\n')}</pre>
        </section>
      )}
    </article>
  );
}
