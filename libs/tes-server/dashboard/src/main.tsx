import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { callApi, explain, storedToken, storeToken, TES } from './api';
import { followEvents, type StreamStatus, type TesEvent } from './events';
import { ServerView } from './server-view';
import { TaskList } from './task-list';
import { TaskPage } from './task-page';
import { publish } from './hub';

type Route = { page: 'list' } | { page: 'task'; id: string } | { page: 'server' };

function routeOf(hash: string): Route {
  const task = /^#\/tasks\/([^/?#]+)$/.exec(hash);
  if (task?.[1] !== undefined) return { page: 'task', id: decodeURIComponent(task[1]) };
  return hash === '#/server' ? { page: 'server' } : { page: 'list' };
}

/** Checks the token (or the lack of one) with one cheap call; `null` when the server takes it. */
async function tokenProblem(): Promise<string | null> {
  try {
    await callApi(`${TES}/tasks?page_size=1&view=MINIMAL`);
    return null;
  } catch (error) {
    return explain(error);
  }
}

function TokenForm(props: { problem: string | null; onToken: (token: string) => void }) {
  const [value, setValue] = useState('');
  return (
    <form
      id="token-form"
      class="panel"
      onSubmit={(event) => {
        event.preventDefault();
        props.onToken(value.trim());
      }}
    >
      <h2>Sign in</h2>
      {props.problem === null ? null : (
        <p id="auth-error" class="error" role="alert">
          {props.problem}
        </p>
      )}
      <label for="token">API token (kept in this tab only, sent as an Authorization header)</label>
      <input id="token" type="password" autoComplete="off" value={value} onInput={(event) => setValue(event.currentTarget.value)} required />
      <button type="submit">Open the dashboard</button>
    </form>
  );
}

function App() {
  const [route, setRoute] = useState<Route>(routeOf(location.hash));
  const [checked, setChecked] = useState<{ ok: boolean; problem: string | null } | undefined>(undefined);
  const [stream, setStream] = useState<{ status: StreamStatus; detail?: string }>({ status: 'connecting' });
  const [tokenVersion, setTokenVersion] = useState(0);

  useEffect(() => {
    const onHash = () => setRoute(routeOf(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    void tokenProblem().then((problem) => setChecked({ ok: problem === null, problem: problem !== null && storedToken() === null ? null : problem }));
  }, [tokenVersion]);
  useEffect(() => {
    if (checked?.ok !== true) return undefined;
    const stop = new AbortController();
    followEvents((event: TesEvent) => publish(event), (status, detail) => setStream(detail === undefined ? { status } : { status, detail }), stop.signal);
    return () => stop.abort();
  }, [checked]);
  useEffect(() => {
    if (checked !== undefined) document.body.dataset['ready'] = 'true';
  }, [checked, route]);

  const signOut = () => {
    storeToken(null);
    setChecked(undefined);
    setTokenVersion(tokenVersion + 1);
  };
  return (
    <>
      <header>
        <h1>Capstan TES server</h1>
        {checked?.ok === true ? (
          <nav aria-label="Dashboard">
            <a href="#/" aria-current={route.page === 'list' ? 'page' : undefined}>
              Tasks
            </a>
            <a href="#/server" aria-current={route.page === 'server' ? 'page' : undefined}>
              Server
            </a>
            <span id="stream-status" class={`stream ${stream.status}`} role="status" title={stream.detail}>
              {stream.status === 'live' ? 'Live' : stream.status === 'refused' ? 'Events refused' : stream.status === 'retrying' ? 'Reconnecting…' : 'Connecting…'}
            </span>
            {storedToken() === null ? null : (
              <button type="button" onClick={signOut}>
                Forget token
              </button>
            )}
          </nav>
        ) : null}
      </header>
      <main id="content">
        {checked === undefined ? (
          <p role="status">Checking access…</p>
        ) : !checked.ok ? (
          <TokenForm
            problem={checked.problem}
            onToken={(token) => {
              storeToken(token);
              setChecked(undefined);
              setTokenVersion(tokenVersion + 1);
            }}
          />
        ) : route.page === 'task' ? (
          <TaskPage id={route.id} />
        ) : route.page === 'server' ? (
          <ServerView />
        ) : (
          <TaskList />
        )}
      </main>
    </>
  );
}

const root = document.getElementById('app');
if (root !== null) render(<App />, root);
