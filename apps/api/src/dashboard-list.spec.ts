import { acceptCreateTask, createStoredTask } from '@capstan/tes-model';
import { SqliteTesTaskStore } from '@capstan/tes-store';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type RunningApi } from './testing/api-harness';
import { DASHBOARD_SHOTS, type DashboardServer, type DashboardSession, startDashboardServer } from './testing/dashboard-session';

// The dashboard's task list over 10,000 tasks in headless chromium. The tasks are stored before the server starts, as
// CreateTask stores them (10,000 creates over HTTP cost 15-45 s here), and the server is paused (api.paused: they stay
// QUEUED, nothing runs, no container). Load and update times are printed for docs/benchmarks.md, not asserted.
// Screenshot: <workspace>/tmp/dashboard/list-10000.png.
const TOKEN = 'dashboard-list-spec-token-3b9e51f0c7a2';
const TASKS = 10_000;
let server: DashboardServer;
let api: RunningApi;
let browser: DashboardSession;
let origin: string;

jest.setTimeout(240_000);

beforeAll(async () => {
  server = await startDashboardServer('dashboard-list', TOKEN, 'api:\n  paused: true\n', (dataDir) => {
    const started = Date.now();
    seedTasks(dataDir);
    process.stdout.write(`dashboard-list: ${TASKS} tasks stored in ${Date.now() - started} ms\n`);
  });
  ({ api, browser, origin } = server);
});

afterAll(async () => {
  await server?.stop();
});

/**
 * Stores the tasks the way CreateTask does (validated, then createStoredTask), in one transaction, owned by the
 * server's first plain token (principal token-1): the server then lists them as its own. A millisecond apart, newest
 * last, so the list's order is known.
 */
function seedTasks(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const store = new SqliteTesTaskStore({ file: join(dataDir, 'tasks.sqlite') });
  try {
    const base = Date.now() - TASKS;
    const tasks = Array.from({ length: TASKS }, (_, index) => {
      const body = { name: `bulk-${String(index).padStart(5, '0')}`, tags: { parity: index % 2 === 0 ? 'even' : 'odd' }, executors: [{ image: 'capstan-test/busybox:1', command: ['true'] }] };
      return createStoredTask(acceptCreateTask(body, { supportedBackendParameters: [] }).task, { now: new Date(base + index) });
    });
    store.insertMany(tasks, tasks.map(() => 'token-1'));
  } finally {
    store.close();
  }
}

const rows = `[...document.querySelectorAll('#task-table tbody tr')]`;
const names = `${rows}.map((row) => row.querySelector('a').textContent)`;
const ids = `${rows}.map((row) => row.getAttribute('data-task'))`;

/** The ids of page `page` (from 1) of ListTasks at `size` a page, walked with the API's own page tokens. */
async function apiPage(size: number, page: number): Promise<string[]> {
  let token: string | undefined;
  for (let at = 1; ; at += 1) {
    const answer = (await api.call(`/tasks?view=MINIMAL&page_size=${size}${token === undefined ? '' : `&page_token=${token}`}`)).body as { tasks: { id: string }[]; next_page_token?: string };
    if (at === page) return answer.tasks.map((task) => task.id);
    token = answer.next_page_token;
  }
}

describe('the dashboard over 10,000 tasks', () => {
  it('loads the newest page, pages through with the server page tokens, and filters by state, name prefix and tag', async () => {
    await browser.goto(`${origin}/`);
    await browser.eval(`sessionStorage.setItem('capstan.dashboard.token', ${JSON.stringify(TOKEN)})`);
    const loads: number[] = [];
    for (let round = 0; round < 3; round += 1) {
      await browser.send({ op: 'reload' });
      await browser.wait(`${rows}.length === 50`, 30_000);
      loads.push(Math.round(await browser.eval<number>('performance.now()')));
    }
    expect(await browser.eval(ids)).toEqual(await apiPage(50, 1));
    expect(await browser.eval(names)).toEqual(Array.from({ length: 50 }, (_, index) => `bulk-${String(TASKS - 1 - index).padStart(5, '0')}`));
    await browser.send({ op: 'screenshot', path: join(DASHBOARD_SHOTS, 'list-10000.png') });

    // 250 a page: each page one request with the token of the one before, the same tasks the API's own paging gives.
    await browser.eval(`document.querySelector('#filter-page-size').value = '250'; document.querySelector('#filter-page-size').dispatchEvent(new Event('change', { bubbles: true }))`);
    await browser.send({ op: 'click', selector: '#filters button[type=submit]' });
    await browser.wait(`${rows}.length === 250`);
    const pages: number[] = [];
    for (let page = 2; page <= 4; page += 1) {
      await browser.send({ op: 'click', selector: '#page-next' });
      pages.push(Math.round(await browser.wait(`document.querySelector('#task-table caption')?.textContent.startsWith('Page ${page},') && ${rows}.length === 250`)));
    }
    expect(await browser.eval(ids)).toEqual(await apiPage(250, 4));
    const third = await apiPage(250, 3);
    await browser.send({ op: 'click', selector: '#page-previous' });
    await browser.wait(`document.querySelector('#task-table caption')?.textContent.startsWith('Page 3,') && ${rows}[0].getAttribute('data-task') === ${JSON.stringify(third[0])}`);
    expect(await browser.eval(ids)).toEqual(third);

    await browser.send({ op: 'type', selector: '#filter-name', text: 'bulk-0999' });
    await browser.send({ op: 'type', selector: '#filter-tag-key', text: 'parity' });
    await browser.send({ op: 'type', selector: '#filter-tag-value', text: 'odd' });
    await browser.eval(`document.querySelector('#filter-state').value = 'QUEUED'; document.querySelector('#filter-state').dispatchEvent(new Event('change', { bubbles: true }))`);
    await browser.send({ op: 'click', selector: '#filters button[type=submit]' });
    await browser.wait(`document.querySelector('#task-table caption')?.textContent.startsWith('Page 1, 5 tasks')`);
    expect((await browser.eval<string[]>(names)).sort()).toEqual(['bulk-09991', 'bulk-09993', 'bulk-09995', 'bulk-09997', 'bulk-09999']);
    expect(await browser.eval('document.querySelector("#page-next").disabled')).toBe(true);
    process.stdout.write(`dashboard-list: first page of 50 drawn ${loads.join(', ')} ms after navigation; next page of 250: ${pages.join(', ')} ms\n`);
  });

  it('updates a row live when its task is canceled elsewhere, without a reload, and measures the delay', async () => {
    await browser.send({ op: 'reload' });
    await browser.wait(`${rows}.length === 50`);
    const id = (await apiPage(50, 1))[2] ?? '';
    await browser.eval(`window.__sameDocument = true; window.__canceledAt = undefined; new MutationObserver(() => {
        if (window.__canceledAt === undefined && document.querySelector('tr[data-task="${id}"] [data-state]')?.getAttribute('data-state') === 'CANCELED') window.__canceledAt = Date.now();
      }).observe(document.querySelector('#task-table'), { subtree: true, childList: true, attributes: true, characterData: true })`);
    await browser.wait('document.querySelector("#stream-status")?.textContent === "Live"');
    const sent = Date.now();
    expect((await api.call(`/tasks/${id}:cancel`, { method: 'POST' })).status).toBe(200);
    await browser.wait('window.__canceledAt !== undefined', 30_000);
    const delay = (await browser.eval<number>('window.__canceledAt')) - sent;
    expect(await browser.eval('window.__sameDocument')).toBe(true);
    const facts = await browser.facts();
    expect(facts.errors).toEqual([]);
    expect(facts.external).toEqual([]);
    // No task was read one by one: the list is pages, the states come from the one event stream.
    expect(facts.requests.filter((request) => /\/tasks\/[^?]+/.test(request))).toEqual([]);
    process.stdout.write(`dashboard-list: cancel request to the row showing CANCELED: ${delay} ms\n`);
  });

  it('adds a task created elsewhere to the first page live when it passes the filters, and notes it on other pages', async () => {
    await browser.goto(`${origin}/`);
    await browser.eval(`sessionStorage.setItem('capstan.dashboard.token', ${JSON.stringify(TOKEN)})`);
    await browser.send({ op: 'reload' });
    await browser.wait(`${rows}.length === 50`);
    await browser.wait('document.querySelector("#stream-status")?.textContent === "Live"');
    const listReads = async () => (await browser.facts()).requests.filter((request) => request.startsWith('GET /ga4gh/tes/v1/tasks?')).length;
    const create = async (name: string, tags: Record<string, string>) => {
      const answer = await api.call('/tasks', { body: { name, tags, executors: [{ image: 'capstan-test/busybox:1', command: ['true'] }] } });
      expect(answer.status).toBe(200);
      return (answer.body as { id: string }).id;
    };
    const firstRow = `${rows}[0]?.getAttribute('data-task')`;

    // No filter: the row comes from the event, on top, without reading the list again.
    const before = await listReads();
    const sent = Date.now();
    const plain = await create('live-plain <b>not bold</b>', { parity: 'odd' });
    await browser.wait(`${firstRow} === ${JSON.stringify(plain)}`);
    const delay = Date.now() - sent;
    expect(await browser.eval(`${rows}[0].querySelector('a').textContent`)).toBe('live-plain <b>not bold</b>');
    expect(await browser.eval(`${rows}[0].querySelector('[data-state]').getAttribute('data-state')`)).toBe('QUEUED');
    expect(await browser.eval(`${rows}.length`)).toBe(51);
    expect(await listReads()).toBe(before);
    await browser.send({ op: 'screenshot', path: join(DASHBOARD_SHOTS, 'list-live-created.png') });

    // Filtered by tag: a task that does not pass stays out, one that does comes in (events arrive in order, so the
    // first would be there by the time the second is).
    await browser.send({ op: 'type', selector: '#filter-tag-key', text: 'parity' });
    await browser.send({ op: 'type', selector: '#filter-tag-value', text: 'even' });
    await browser.send({ op: 'click', selector: '#filters button[type=submit]' });
    await browser.wait(`${rows}.length === 50 && ${rows}.every((row) => row.cells[3].textContent === 'parity=even')`);
    const odd = await create('live-odd', { parity: 'odd' });
    const even = await create('live-even', { parity: 'even' });
    await browser.wait(`${firstRow} === ${JSON.stringify(even)}`);
    expect(await browser.eval<string[]>(ids)).not.toContain(odd);

    // Name and tags too large for the event (partial): the page is read again and the server's filter decides.
    const big = await create('live-big', { parity: 'even', one: 'x'.repeat(3000), two: 'y'.repeat(3000) });
    await browser.wait(`${firstRow} === ${JSON.stringify(big)}`);
    expect(await browser.eval(`${rows}[0].querySelector('a').textContent`)).toBe('live-big');

    // Another page: the rows stay, a note counts the new tasks that pass the filters, and leads to the first page.
    await browser.send({ op: 'click', selector: '#page-next' });
    await browser.wait(`document.querySelector('#task-table caption')?.textContent.startsWith('Page 2,')`);
    const secondPage = await browser.eval<string[]>(ids);
    await create('live-odd-2', { parity: 'odd' });
    const later = await create('live-even-2', { parity: 'even' });
    await browser.wait(`document.querySelector('#new-tasks')?.textContent.startsWith('1 new task on the first page')`);
    await create('live-even-3', { parity: 'even' });
    await browser.wait(`document.querySelector('#new-tasks')?.textContent.startsWith('2 new tasks')`);
    expect(await browser.eval(ids)).toEqual(secondPage);
    await browser.send({ op: 'click', selector: '#new-tasks-show' });
    await browser.wait(`document.querySelector('#task-table caption')?.textContent.startsWith('Page 1,') && ${rows}[1]?.getAttribute('data-task') === ${JSON.stringify(later)}`);
    expect(await browser.eval('document.querySelector("#new-tasks")')).toBeNull();
    const facts = await browser.facts();
    expect(facts.errors).toEqual([]);
    expect(facts.requests.filter((request) => /\/tasks\/[^?]+/.test(request))).toEqual([]);
    process.stdout.write(`dashboard-list: create request to its row on the first page: ${delay} ms\n`);
  });
});
