import { existsSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApps, execFileAsync, type RunningApi, apiBundle, startApi, stopApi, until } from './testing/api-harness';

// The TES server for several clients, for real: the bundled api on 127.0.0.1 with the Docker backend.
jest.setTimeout(180_000);

const IMAGE = 'capstan-test/busybox:1';
const ALICE = '6f1d2c3b4a5968778695a4b3c2d1e0f1a2b3c4d5';
const BOB = 'b0b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9';
const OPS = 'a7d3f1e9c5b2084a6e1d3c7b9f0a2e4d6c8b1a3f';
const FINAL = ['COMPLETE', 'EXECUTOR_ERROR', 'SYSTEM_ERROR', 'CANCELED', 'PREEMPTED'];

let folder: string;
const running: RunningApi[] = [];

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'capstan-clients-'));
  await buildApps();
});

afterEach(async () => {
  for (const api of running.splice(0)) await stopApi(api);
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function tokensFile(name: string, text: string, mode = 0o600): Promise<string> {
  const file = join(folder, name);
  await writeFile(file, text);
  await chmod(file, mode);
  return file;
}

async function serve(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<RunningApi> {
  const api = await startApi(['--backend', 'docker', ...args], { env: { ...process.env, ...env } });
  running.push(api);
  return api;
}

/** Starts the api expecting it to refuse; its exit code and what it printed. */
async function refusedStart(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stderr: string }> {
  const outcome = await execFileAsync(process.execPath, [apiBundle, '--host', '127.0.0.1', '--port', '0', '--backend', 'docker', ...args], { env: { ...process.env, ...env } }).then(
    () => ({ code: 0, stderr: '' }),
    (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
  );
  return outcome;
}

const sleeper = (seconds: number, name = 'sleeper') => ({ name, executors: [{ image: IMAGE, command: ['sleep', String(seconds)] }] });

async function createAs(api: RunningApi, token: string, body: unknown): Promise<string> {
  const answer = await api.call('/tasks', { body, token });
  expect(answer.status).toBe(200);
  return (answer.body as { id: string }).id;
}

async function stateOf(api: RunningApi, id: string, token: string): Promise<string> {
  return ((await api.call(`/tasks/${id}`, { token })).body as { state: string }).state;
}

describe('principals from a tokens file', () => {
  it('two principals cannot see, list or cancel each other\'s tasks; an admin can; another\'s id is a 404 like an unknown one', async () => {
    const file = await tokensFile('tokens.yaml', `- { name: alice, token: ${ALICE} }\n- { name: bob, token: ${BOB} }\n- { name: ops, token: ${OPS}, admin: true }\n`);
    const dataDir = join(folder, 'principals');
    const api = await serve(['--token-file', file, '--data-dir', dataDir]);
    const mine = await createAs(api, ALICE, sleeper(60, 'alice-task'));
    const theirs = await createAs(api, BOB, sleeper(60, 'bob-task'));
    await until(async () => ((await stateOf(api, mine, ALICE)) === 'RUNNING' ? true : undefined), 60_000, 'alice\'s task to run');

    const unknown = `${mine.slice(0, -4)}ZZZZ`;
    for (const [path, method] of [['/tasks/ID', 'GET'], ['/tasks/ID:cancel', 'POST']] as const) {
      const other = await api.call(path.replace('ID', mine), { token: BOB, method, ...(method === 'POST' ? { body: {} } : {}) });
      const none = await api.call(path.replace('ID', unknown), { token: BOB, method, ...(method === 'POST' ? { body: {} } : {}) });
      expect(other.status).toBe(404);
      expect(other.text.replaceAll(mine, '?')).toBe(none.text.replaceAll(unknown, '?'));
    }
    expect(await stateOf(api, mine, ALICE)).toBe('RUNNING');
    const listed = async (token: string): Promise<string[]> => ((await api.call('/tasks?view=MINIMAL', { token })).body as { tasks: Array<{ id: string }> }).tasks.map((task) => task.id);
    expect(await listed(BOB)).toEqual([theirs]);
    expect(await listed(ALICE)).toEqual([mine]);
    expect((await listed(OPS)).sort()).toEqual([mine, theirs].sort());
    expect((await api.call(`/tasks/${mine}`, { token: OPS })).status).toBe(200);

    // The admin cancels bob's task; alice cancels her own.
    expect((await api.call(`/tasks/${theirs}:cancel`, { token: OPS, method: 'POST', body: {} })).status).toBe(200);
    expect((await api.call(`/tasks/${mine}:cancel`, { token: ALICE, method: 'POST', body: {} })).status).toBe(200);
    for (const id of [mine, theirs]) await until(async () => (FINAL.includes(await stateOf(api, id, OPS)) ? true : undefined), 60_000, `task ${id} to end`);
    expect(await stateOf(api, theirs, OPS)).toBe('CANCELED');

    // The data folder and the database are the server user's alone.
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dataDir, 'tasks.sqlite')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'tasks.sqlite-wal')).mode & 0o777).toBe(0o600);
  });
});

describe('tokens refused at start', () => {
  it.each([
    ['a weak token in the tokens file', 'weak.yaml', `- { name: alice, token: ${ALICE} }\n- { name: bob, token: abababababababababababab }\n`, 0o600, /principal "bob".*too little entropy.*openssl rand -hex 32/s, 'abababab'],
    ['a tokens file others may read', 'open.yaml', `- { name: alice, token: ${ALICE} }\n`, 0o644, /may be read by other users \(mode 644\).*chmod 600/s, ALICE],
  ])('refuses %s, exit 78, naming the principal and the fix, never the token', async (_label, name, text, mode, message, secret) => {
    const file = await tokensFile(name, text, mode);
    const { code, stderr } = await refusedStart(['--token-file', file, '--data-dir', join(folder, `refused-${name}`)]);
    expect(code).toBe(78);
    expect(stderr).toMatch(message);
    expect(stderr).not.toContain(secret);
  });

  it('refuses a weak --token and a weak CAPSTAN_API__AUTH__TOKEN', async () => {
    const flag = await refusedStart(['--token', '1111111111111111111111', '--data-dir', join(folder, 'weak-flag')]);
    expect(flag.code).toBe(78);
    expect(flag.stderr).toMatch(/principal "token-1"\) has too little entropy/);
    const variable = await refusedStart(['--data-dir', join(folder, 'weak-env')], { CAPSTAN_API__AUTH__TOKEN: 'xyxyxyxyxyxyxyxyxyxyxy' });
    expect(variable.code).toBe(78);
    expect(variable.stderr).toMatch(/principal "default"\) has too little entropy/);
    expect(variable.stderr).not.toContain('xyxyxyxy');
  });
});

describe('a token from the environment', () => {
  it('serves the principal "default" of CAPSTAN_API__AUTH__TOKEN, with no token on the command line', async () => {
    const api = await serve(['--data-dir', join(folder, 'env')], { CAPSTAN_API__AUTH__TOKEN: ALICE });
    expect(readFileSync(`/proc/${api.child.pid}/cmdline`, 'utf8')).not.toContain(ALICE);
    expect((await api.call('/tasks', { token: ALICE })).status).toBe(200);
    expect((await api.call('/tasks', { token: BOB })).status).toBe(401);
    expect((await api.call('/tasks', { token: null })).status).toBe(401);
  });
});

/** A request with a Host header of our choosing (fetch does not let one set it). */
function statusWithHost(url: string, path: string, host: string): Promise<number> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const sent = httpRequest({ host: '127.0.0.1', port, path, headers: { host } }, (answer) => {
      answer.resume();
      resolve(answer.statusCode ?? 0);
    });
    sent.on('error', reject);
    sent.end();
  });
}

describe('--no-auth: the Host header must name loopback', () => {
  it('refuses every path for a rebinding Host and serves a loopback one', async () => {
    const api = await serve(['--no-auth', '--data-dir', join(folder, 'no-auth')]);
    for (const path of ['/ga4gh/tes/v1/tasks', '/ga4gh/tes/v1/service-info', '/ga4gh/tes/v1/docs', '/ga4gh/tes/v1/openapi.json', '/metrics', '/elsewhere']) {
      expect(await statusWithHost(api.url, path, 'rebind.attacker.example')).toBe(403);
    }
    expect(await statusWithHost(api.url, '/ga4gh/tes/v1/tasks', `localhost:${new URL(api.url).port}`)).toBe(200);
    expect((await api.call('/tasks', { token: null })).status).toBe(200);
  });
});

describe('bounded work per request', () => {
  it('keeps FULL list pages under the byte budget and pages through every task; refuses a task above the maximum size', async () => {
    const api = await serve(['--token', ALICE, '--data-dir', join(folder, 'budget')], {
      CAPSTAN_API__PAUSED: 'true',
      CAPSTAN_API__LIST_BUDGET_BYTES: '64 KiB',
      CAPSTAN_API__MAX_TASK_BYTES: '100 KiB',
    });
    const created: string[] = [];
    for (let index = 0; index < 10; index += 1) {
      created.push(await createAs(api, ALICE, { name: `big-${index}`, inputs: [{ path: '/in/data', content: 'z'.repeat(25_000) }], executors: [{ image: IMAGE, command: ['true'] }] }));
    }
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await api.call(`/tasks?view=FULL&page_size=256${token === undefined ? '' : `&page_token=${token}`}`, { token: ALICE });
      expect(page.status).toBe(200);
      expect(Buffer.byteLength(page.text)).toBeLessThan(64 * 1024);
      const body = page.body as { tasks: Array<{ id: string }>; next_page_token?: string };
      seen.push(...body.tasks.map((task) => task.id));
      token = body.next_page_token;
      pages += 1;
    } while (token !== undefined && pages < 50);
    expect(pages).toBeGreaterThanOrEqual(4);
    expect([...seen].sort()).toEqual([...created].sort());

    const huge = await api.call('/tasks', { token: ALICE, body: { inputs: [{ path: '/in/data', content: 'z'.repeat(150_000) }], executors: [{ image: IMAGE, command: ['true'] }] } });
    expect(huge.status).toBe(413);
    expect(huge.text).toContain('api.maxTaskBytes');
  });

  it('answers 429 with Retry-After to a principal over its rate, while service-info and another principal are served', async () => {
    const file = await tokensFile('rate.yaml', `- { name: alice, token: ${ALICE} }\n- { name: bob, token: ${BOB} }\n`);
    const api = await serve(['--token-file', file, '--data-dir', join(folder, 'rate')], { CAPSTAN_API__RATE_LIMIT__MAX: '20', CAPSTAN_API__RATE_LIMIT__WINDOW_SECONDS: '60' });
    const answers = await Promise.all(Array.from({ length: 60 }, () => fetch(`${api.url}/tasks?view=MINIMAL`, { headers: { authorization: `Bearer ${ALICE}` } })));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(20);
    expect(statuses.filter((status) => status === 429)).toHaveLength(40);
    const limited = answers.find((answer) => answer.status === 429);
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await limited?.json()) as unknown).toMatchObject({ code: 'http.too_many_requests', status: 429 });
    expect((await api.call('/service-info', { token: null })).status).toBe(200);
    expect((await api.call('/tasks', { token: BOB })).status).toBe(200);
    expect((await api.call('/tasks', { token: ALICE })).status).toBe(429);
  });
});

describe('retention', () => {
  it('deletes finished tasks and their folders after the configured age, and leaves a running task alone', async () => {
    const dataDir = join(folder, 'retention');
    const api = await serve(['--token', ALICE, '--data-dir', dataDir], {
      CAPSTAN_API__KEEP_TASK_FILES: 'true',
      CAPSTAN_API__RETENTION__FINISHED_TASK_AGE: '3s',
      CAPSTAN_API__RETENTION__SWEEP_INTERVAL: '1s',
    });
    // A volume gives each task a folder under the data folder.
    const quick = await createAs(api, ALICE, { name: 'quick', volumes: ['/work'], executors: [{ image: IMAGE, command: ['sh', '-c', 'echo done > /work/out.txt'] }] });
    const slow = await createAs(api, ALICE, { ...sleeper(120, 'slow'), volumes: ['/work'] });
    await until(async () => ((await stateOf(api, quick, ALICE)) === 'COMPLETE' ? true : undefined), 60_000, 'the quick task to complete');
    expect(existsSync(join(dataDir, 'tasks', quick))).toBe(true);
    await until(async () => ((await api.call(`/tasks/${quick}`, { token: ALICE })).status === 404 ? true : undefined), 30_000, 'retention to delete the quick task');
    expect(existsSync(join(dataDir, 'tasks', quick))).toBe(false);
    expect(await stateOf(api, slow, ALICE)).toBe('RUNNING');
    expect(existsSync(join(dataDir, 'tasks', slow))).toBe(true);
    expect((await api.call(`/tasks/${slow}:cancel`, { token: ALICE, method: 'POST', body: {} })).status).toBe(200);
    await until(async () => ((await stateOf(api, slow, ALICE)) === 'CANCELED' ? true : undefined), 60_000, 'the slow task to cancel');
  });
});
