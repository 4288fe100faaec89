import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningApi, startApi, stopApi, until } from './testing/api-harness';
import { DASHBOARD_SHOTS, type DashboardServer, type DashboardSession, startDashboardServer } from './testing/dashboard-session';

// The dashboard in headless chromium against the bundled server, tasks on Docker (busybox containers, usage
// read every 0.5 s): sign-in, the empty server, a busy one with a hostile task name, a failed task's page updating live,
// cancel with confirmation, keyboard focus. Screenshots: <workspace>/tmp/dashboard/*.png. The 10,000-task list is
// dashboard-list.spec.ts.
const TOKEN = 'dashboard-spec-token-7d41c9e2a6b84f0e';
const HOSTILE = '<img src=x onerror="document.title=\'pwned\'">';
let server: DashboardServer;
let api: RunningApi;
let browser: DashboardSession;
let origin: string;

jest.setTimeout(180_000);

beforeAll(async () => {
  server = await startDashboardServer('dashboard', TOKEN, 'usageIntervalSeconds: 0.5\napi:\n  maxRunningTasks: 2\n');
  ({ api, browser, origin } = server);
});

afterAll(async () => {
  await server?.stop();
});

async function create(name: string, script: string, tags: Record<string, string> = {}): Promise<string> {
  const answer = await api.call('/tasks', { body: { name, tags, executors: [{ image: 'capstan-test/busybox:1', command: ['sh', '-c', script] }] } });
  expect(answer.status).toBe(200);
  return (answer.body as { id: string }).id;
}

async function stateOf(id: string): Promise<string> {
  return ((await api.call(`/tasks/${id}?view=MINIMAL`)).body as { state: string }).state;
}

const shot = (name: string) => browser.send({ op: 'screenshot', path: join(DASHBOARD_SHOTS, `${name}.png`) });
const present = (selector: string) => `document.querySelector(${JSON.stringify(selector)}) !== null`;

describe('the dashboard in a browser', () => {
  it('asks for a token, shows nothing without one, and says clearly when the server refuses it (fault)', async () => {
    await browser.goto(`${origin}/`);
    await browser.wait(present('#token'));
    // The keyboard: Tab reaches the skip link first, with a visible focus ring, then the labelled token field.
    await browser.send({ op: 'press', key: 'Tab' });
    expect(await browser.eval('[document.activeElement.className, getComputedStyle(document.activeElement).outlineStyle]')).toEqual(['skip', 'solid']);
    await browser.send({ op: 'press', key: 'Tab' });
    expect(await browser.eval('[document.activeElement.id, document.activeElement.labels[0].textContent]')).toEqual(['token', expect.stringContaining('API token')]);
    expect(await browser.eval('document.querySelector("#task-table") === null && document.querySelector("#auth-error") === null')).toBe(true);
    await browser.send({ op: 'type', selector: '#token', text: 'not-the-token' });
    await browser.send({ op: 'press', key: 'Enter' });
    await browser.wait(present('#auth-error'));
    expect(await browser.text('#auth-error')).toMatch(/^The server refused the token \(401\): .+Enter the token the server was started with\.$/);
    expect(await browser.eval('document.querySelector("#task-table")')).toBeNull();
    await shot('wrong-token');
    expect(await browser.lowContrast()).toEqual([]);
    // The check itself finds grey on white (a test that could not fail would prove nothing).
    await browser.eval('document.querySelector("#auth-error").style.color = "#aaaaaa"');
    expect(await browser.lowContrast()).toEqual([expect.objectContaining({ text: expect.stringContaining('The server refused'), ratio: 2.32 })]);
    await browser.eval('document.querySelector("#auth-error").style.color = ""');
  });

  it('shows the empty server once the token is right (kept in sessionStorage, sent as a header, no cookie)', async () => {
    await browser.eval('document.querySelector("#token").value = ""');
    await browser.send({ op: 'type', selector: '#token', text: TOKEN });
    await browser.send({ op: 'click', selector: '#token-form button' });
    await browser.wait(present('#no-tasks'));
    expect(await browser.eval('[sessionStorage.getItem("capstan.dashboard.token"), document.cookie]')).toEqual([TOKEN, '']);
    await browser.wait('document.querySelector("#stream-status")?.textContent === "Live"');
    await shot('empty-list');
    await browser.eval('location.hash = "#/server"');
    await browser.wait('document.querySelector("#server-backend")?.textContent === "docker"');
    expect(await browser.text('#server-queued')).toBe('0');
    expect(await browser.text('#server-running')).toBe('0 of 2');
    expect(await browser.text('#no-failures')).toBe('None.');
    await shot('empty-server');
  });

  it("follows a failing task on its page without a reload: states with times, exit code, stderr tail (and measures the update's delay)", async () => {
    await browser.eval('window.__sameDocument = true; location.hash = "#/"');
    const id = await create('fails', 'echo starting; sleep 1.5; echo "boom <b>not bold</b>" >&2; exit 3');
    await browser.eval(`location.hash = "#/tasks/${id}"`);
    await browser.wait(present('#task-state'));
    // Each state's DOM update, stamped as the page shows it, against the server's own time of the change.
    await browser.eval(`window.__seen = []; new MutationObserver(() => {
        const state = document.querySelector('#task-state [data-state]')?.getAttribute('data-state');
        if (state && window.__seen.at(-1)?.state !== state) window.__seen.push({ state, at: Date.now() });
      }).observe(document.querySelector('#content'), { subtree: true, childList: true, attributes: true, characterData: true })`);
    await browser.wait('document.querySelector("#task-state [data-state]")?.getAttribute("data-state") === "EXECUTOR_ERROR"', 60_000);
    await browser.wait(`[...document.querySelectorAll('.log.stderr')].some((pre) => pre.textContent.includes('boom'))`, 30_000);
    expect(await browser.eval('window.__sameDocument')).toBe(true);
    expect(await browser.text('.log.stderr')).toBe('boom <b>not bold</b>\n');
    expect(await browser.eval('document.querySelectorAll("#task-page b").length')).toBe(0);
    // The task's final record is re-read after its last state event.
    await browser.wait(`/exit code 3$/.test(document.querySelector('.executor p:nth-of-type(2)')?.textContent ?? '')`, 10_000);
    const history = await browser.eval<{ state: string; time: string }[]>(`[...document.querySelectorAll('#state-history li')].map((li) => ({ state: li.getAttribute('data-state'), time: li.getAttribute('data-time') }))`);
    expect(history.map((entry) => entry.state)).toEqual(expect.arrayContaining(['RUNNING', 'EXECUTOR_ERROR']));
    const seen = await browser.eval<{ state: string; at: number }[]>('window.__seen');
    const delays = seen.flatMap((entry) => {
      const event = history.find((item) => item.state === entry.state);
      return event === undefined ? [] : [entry.at - Date.parse(event.time)];
    });
    expect(delays.length).toBeGreaterThan(0);
    process.stdout.write(`dashboard: state change to DOM update: ${delays.map((ms) => `${ms} ms`).join(', ')}\n`);
    await shot('failed-task');
    expect(await browser.lowContrast()).toEqual([]);
  });

  it("shows a finished task's inputs and outputs with the output's size", async () => {
    const url = `file://${join(server.shared, 'dashboard-out.txt')}`;
    const answer = await api.call('/tasks', {
      body: { name: 'files', inputs: [{ path: '/data/in.txt', content: 'hello' }], outputs: [{ url, path: '/data/out.txt' }], executors: [{ image: 'capstan-test/busybox:1', command: ['cp', '/data/in.txt', '/data/out.txt'] }] },
    });
    const id = (answer.body as { id: string }).id;
    await browser.eval(`location.hash = "#/tasks/${id}"`);
    await browser.wait('document.querySelector("#task-state [data-state]")?.getAttribute("data-state") === "COMPLETE"', 60_000);
    await browser.wait(`[...document.querySelectorAll('#files tbody tr')].some((row) => row.children[3].textContent === '5 B')`, 10_000);
    expect(await browser.eval(`[...document.querySelectorAll('#files tbody tr')].map((row) => [...row.children].map((cell) => cell.textContent))`)).toEqual([
      ['input', '/data/in.txt', '(content)', ''],
      ['output', '/data/out.txt', url, '5 B'],
    ]);
  });

  it('shows a busy server: running and queued tasks, a hostile task name as text, the failure listed', async () => {
    await browser.eval('location.hash = "#/"');
    const hostile = await create(HOSTILE, 'sleep 60', { [HOSTILE]: '"><script>document.title="pwned"</script>' });
    // busy-1 writes a line a second: its page's log tail must move while it runs.
    await create('busy-1', 'for i in 1 2 3 4 5 6 7 8; do echo tick-$i; sleep 1; done; sleep 60', { batch: 'busy' });
    for (const index of [2, 3]) await create(`busy-${index}`, 'sleep 60', { batch: 'busy' });
    // A creation sends no event (QUEUED is the state at creation): the list shows new tasks on Refresh.
    await browser.send({ op: 'click', selector: '#refresh' });
    await browser.wait(`document.querySelectorAll('#task-table tbody tr').length === 6`, 30_000);
    const row = await browser.eval<{ link: string; tags: string; images: number; scripts: number; title: string }>(
      `(() => { const row = document.querySelector('tr[data-task="${hostile}"]');
        return { link: row.querySelector('a').textContent, tags: row.children[3].textContent, images: document.querySelectorAll('img').length, scripts: document.querySelectorAll('body script').length, title: document.title }; })()`,
    );
    expect(row).toEqual({ link: HOSTILE, tags: `${HOSTILE}="><script>document.title="pwned"</script>`, images: 0, scripts: 0, title: 'Capstan TES dashboard' });
    // Its own page too: the title and tags as text.
    await browser.eval(`location.hash = "#/tasks/${hostile}"`);
    await browser.wait(`document.querySelector('#task-title')?.textContent === ${JSON.stringify(HOSTILE)}`);
    expect(await browser.eval('[document.querySelectorAll("img").length, document.querySelectorAll("body script").length, document.title]')).toEqual([0, 0, 'Capstan TES dashboard']);
    await browser.eval('location.hash = "#/"');
    await until(async () => ((await (await fetch(`${origin}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text()).match(/capstan_tes_tasks\{state="RUNNING"\} 2/) === null ? undefined : true), 30_000, 'two tasks running');
    await browser.wait(`document.querySelectorAll('#task-table [data-state="RUNNING"]').length === 2 && document.querySelectorAll('#task-table [data-state="QUEUED"]').length === 2`, 30_000);
    await shot('busy-list');
    expect(await browser.lowContrast()).toEqual([]);
    await browser.eval('location.hash = "#/server"');
    await browser.wait('document.querySelector("#server-running")?.textContent === "2 of 2" && document.querySelector("#server-queued")?.textContent === "2"', 30_000);
    expect(await browser.text('#failures')).toContain('fails');
    await shot('busy-server');
    expect(await browser.lowContrast()).toEqual([]);
  });

  it('cancels a task from its page after a confirmation that Escape dismisses, and reaches the controls by keyboard', async () => {
    const list = (await api.call('/tasks?name_prefix=busy-1')).body as { tasks: { id: string }[] };
    const id = list.tasks[0]?.id ?? '';
    await browser.eval(`location.hash = "#/tasks/${id}"`);
    await browser.wait('document.querySelector("#cancel-task") !== null && !document.querySelector("#cancel-task").disabled');
    // While it runs, without a reload: the stdout tail moves on and the usage readings arrive.
    await browser.eval('window.__sameDocument = true');
    const stdout = `(document.querySelector('.log.stdout')?.textContent ?? '')`;
    await browser.wait(`${stdout}.includes('tick-1') && !${stdout}.includes('tick-8')`, 30_000);
    await browser.wait(`${stdout}.includes('tick-8')`, 30_000);
    await browser.wait(`Number(/^([0-9]+) readings/.exec(document.querySelector('#usage-last')?.textContent ?? '')?.[1] ?? 0) >= 3`, 30_000);
    expect(await browser.eval('[window.__sameDocument, document.querySelectorAll("#usage polyline").length]')).toEqual([true, 2]);
    await shot('running-task');
    await browser.eval('document.querySelector("#cancel-task").focus()');
    await browser.send({ op: 'press', key: 'Enter' });
    await browser.wait('document.querySelector("#cancel-dialog").open');
    await browser.send({ op: 'press', key: 'Escape' });
    await browser.wait('!document.querySelector("#cancel-dialog").open');
    expect(['QUEUED', 'RUNNING', 'INITIALIZING']).toContain(await stateOf(id));
    await browser.send({ op: 'click', selector: '#cancel-task' });
    await browser.wait('document.querySelector("#cancel-dialog").open');
    await shot('cancel-confirm');
    await browser.send({ op: 'click', selector: '#cancel-confirm' });
    await browser.wait('document.querySelector("#task-state [data-state]")?.getAttribute("data-state") === "CANCELED"', 60_000);
    expect(await stateOf(id)).toBe('CANCELED');
  });

  it('opens at once on a server without authentication (--no-auth, loopback only), asking for no token', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'capstan-dashboard-no-auth-'));
    const open = await startApi(['--no-auth', '--backend', 'docker', '--data-dir', join(folder, 'data')]);
    try {
      const id = ((await open.call('/tasks', { body: { name: 'no-auth', executors: [{ image: 'capstan-test/busybox:1', command: ['true'] }] } })).body as { id: string }).id;
      await browser.goto(`${new URL(open.url).origin}/`);
      await browser.wait(`document.querySelector('tr[data-task="${id}"]') !== null`);
      expect(await browser.eval('[document.querySelector("#token"), sessionStorage.getItem("capstan.dashboard.token"), document.querySelector("header button")]')).toEqual([null, null, null]);
      await browser.wait('document.querySelector("#stream-status")?.textContent === "Live"');
    } finally {
      await stopApi(open);
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('made no request to another origin, opened no dialog, and logged no script or CSP error', async () => {
    const facts = await browser.facts();
    expect(facts.external).toEqual([]);
    expect(facts.dialogs).toEqual([]);
    expect(facts.errors).toEqual([]);
    // Live from the one event stream, never by re-reading every task.
    expect(facts.requests.filter((request) => request.includes('/events')).length).toBeGreaterThan(0);
    for (const { tasks } of [((await api.call('/tasks?view=MINIMAL')).body as { tasks: { id: string; state: string }[] })]) {
      for (const task of tasks) if (['QUEUED', 'RUNNING', 'INITIALIZING'].includes(task.state)) await api.call(`/tasks/${task.id}:cancel`, { method: 'POST' });
    }
  });
});
