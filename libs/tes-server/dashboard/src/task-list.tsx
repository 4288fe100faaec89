import { useEffect, useState } from 'preact/hooks';
import { callApi, explain, STATES, TES, type TesList } from './api';
import { useTesEvents, useThrottled } from './hub';
import { fitsFilters, withCreated } from './new-tasks';
import { StateBadge, when } from './parts';

interface Filters {
  readonly state: string;
  readonly namePrefix: string;
  readonly tagKey: string;
  readonly tagValue: string;
  readonly pageSize: number;
}

const NO_FILTERS: Filters = { state: '', namePrefix: '', tagKey: '', tagValue: '', pageSize: 50 };

function listPath(filters: Filters, pageToken: string | undefined): string {
  const query = new URLSearchParams({ view: 'BASIC', page_size: String(filters.pageSize) });
  if (filters.state !== '') query.set('state', filters.state);
  if (filters.namePrefix !== '') query.set('name_prefix', filters.namePrefix);
  if (filters.tagKey !== '') {
    query.set('tag_key', filters.tagKey);
    query.set('tag_value', filters.tagValue);
  }
  if (pageToken !== undefined) query.set('page_token', pageToken);
  return `${TES}/tasks?${query.toString()}`;
}

/** The task list: filters, one page at a time through the server's page tokens, states kept live from the stream. */
export function TaskList() {
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  // tokens[i] opens page i; page 0 needs none.
  const [tokens, setTokens] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState(0);
  const [list, setList] = useState<TesList | undefined>(undefined);
  // The page the list shown belongs to: the caption must not name the next page before its tasks arrive.
  const [shownPage, setShownPage] = useState(0);
  const [problem, setProblem] = useState<string | null>(null);
  const [reloads, setReloads] = useState(0);
  // Tasks created (and passing the filters) since this page other than the first was opened: a note, not new rows.
  const [created, setCreated] = useState(0);
  useEffect(() => setCreated(0), [filters, page]);

  useEffect(() => {
    const stop = new AbortController();
    callApi<TesList>(listPath(filters, tokens[page]), { signal: stop.signal }).then(
      (answer) => {
        setList(answer);
        setShownPage(page);
        setProblem(null);
      },
      (error: unknown) => {
        if (!stop.signal.aborted) setProblem(explain(error));
      },
    );
    return () => stop.abort();
  }, [filters, page, tokens, reloads]);

  const reload = useThrottled(() => setReloads((count) => count + 1), 2000);
  useTesEvents((event) => {
    if (event.event === 'gap') reload();
    if (event.event === 'created') {
      const fits = fitsFilters(event.data, filters);
      if (fits === false) return;
      if (page !== 0) setCreated((count) => count + 1);
      // Name and tags left out for their size: the server's own filter decides, in one throttled re-read.
      // (A page still loading may have been read before the task was stored.)
      else if (fits === undefined || list === undefined) reload();
      else setList((current) => (current === undefined ? current : withCreated(current, event.data)));
      return;
    }
    if (event.event !== 'state' || list === undefined) return;
    if (list.tasks.some((task) => task.id === event.data.taskId)) {
      // From the list as it is by then: a row added by a creation in the same turn stays.
      setList((current) => current && { ...current, tasks: current.tasks.map((task) => (task.id === event.data.taskId ? { ...task, state: event.data.state ?? 'UNKNOWN' } : task)) });
    } else if (page === 0) reload();
  });

  const apply = (event: Event) => {
    event.preventDefault();
    setFilters(draft);
    setTokens([undefined]);
    setPage(0);
  };
  const next = list?.next_page_token;
  return (
    <section aria-labelledby="tasks-title">
      <h2 id="tasks-title">Tasks</h2>
      <form id="filters" class="filters" onSubmit={apply}>
        <label>
          State
          <select id="filter-state" value={draft.state} onChange={(event) => setDraft({ ...draft, state: event.currentTarget.value })}>
            <option value="">any</option>
            {STATES.map((state) => (
              <option value={state}>{state}</option>
            ))}
          </select>
        </label>
        <label>
          Name starts with
          <input id="filter-name" value={draft.namePrefix} onInput={(event) => setDraft({ ...draft, namePrefix: event.currentTarget.value })} />
        </label>
        <label>
          Tag key
          <input id="filter-tag-key" value={draft.tagKey} onInput={(event) => setDraft({ ...draft, tagKey: event.currentTarget.value })} />
        </label>
        <label>
          Tag value (empty: any)
          <input id="filter-tag-value" value={draft.tagValue} onInput={(event) => setDraft({ ...draft, tagValue: event.currentTarget.value })} />
        </label>
        <label>
          Per page
          <select id="filter-page-size" value={String(draft.pageSize)} onChange={(event) => setDraft({ ...draft, pageSize: Number(event.currentTarget.value) })}>
            {[25, 50, 100, 250].map((size) => (
              <option value={String(size)}>{size}</option>
            ))}
          </select>
        </label>
        <button type="submit">Apply</button>
      </form>
      {problem === null ? null : (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      {created === 0 ? null : (
        <p id="new-tasks" role="status">
          {created === 1 ? '1 new task' : `${created} new tasks`} on the first page.{' '}
          <button type="button" id="new-tasks-show" onClick={() => setPage(0)}>
            Show the first page
          </button>
        </p>
      )}
      {list === undefined ? (
        <p role="status">Loading…</p>
      ) : list.tasks.length === 0 ? (
        <p id="no-tasks">{shownPage === 0 ? 'No tasks match.' : 'No more tasks.'}</p>
      ) : (
        <table id="task-table">
          <caption>
            Page {shownPage + 1}, {list.tasks.length} tasks, newest first
          </caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">State</th>
              <th scope="col">Created</th>
              <th scope="col">Tags</th>
              <th scope="col">Id</th>
            </tr>
          </thead>
          <tbody>
            {list.tasks.map((task) => (
              <tr key={task.id} data-task={task.id}>
                <td>
                  <a href={`#/tasks/${encodeURIComponent(task.id)}`}>{task.name === undefined || task.name === '' ? '(no name)' : task.name}</a>
                </td>
                <td>
                  <StateBadge state={task.state} />
                </td>
                <td>{when(task.creation_time)}</td>
                <td>{Object.entries(task.tags ?? {}).map(([key, value]) => `${key}=${value}`).join(', ')}</td>
                <td class="mono">{task.id}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <nav class="pager" aria-label="Pages">
        <button type="button" id="page-previous" disabled={page === 0} onClick={() => setPage(page - 1)}>
          Previous page
        </button>
        <button
          type="button"
          id="page-next"
          disabled={next === undefined || next === ''}
          onClick={() => {
            setTokens([...tokens.slice(0, page + 1), next]);
            setPage(page + 1);
          }}
        >
          Next page
        </button>
        <button type="button" id="refresh" onClick={() => setReloads(reloads + 1)}>
          Refresh
        </button>
      </nav>
    </section>
  );
}
