import { request as httpRequest } from 'node:http';
import { createTesHttpServer } from './create-tes-http-server';
import { CollectedLog, startTesServer, type RunningTesServer } from './testing/running-tes-server';
import { captureCapstanError } from './testing/capture-capstan-error';

const TASKS = '/ga4gh/tes/v1/tasks';
const ALICE = '6f1d2c3b4a5968778695a4b3c2d1e0f1';
const BOB = 'b0b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3';
const ROOT = 'a7d3f1e9c5b2084a6e1d3c7b9f0a2e4d';
const principals = [
  { name: 'alice', token: ALICE },
  { name: 'bob', token: BOB },
  { name: 'root', token: ROOT, admin: true },
];
const task = (name: string, content = 'x') => ({ name, inputs: [{ path: '/in/a', content }], executors: [{ image: 'alpine:3', command: ['true'] }] });

async function json(server: RunningTesServer, path: string, token: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const answer = await server.call(path, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) } });
  return { status: answer.status, body: (await answer.json()) as Record<string, unknown>, headers: answer.headers };
}

describe('several principals', () => {
  let server: RunningTesServer;

  beforeEach(async () => {
    server = await startTesServer({ auth: { principals } });
  });

  afterEach(() => server.close());

  it('passes the principal of each token to the service', async () => {
    await json(server, TASKS, ALICE, { method: 'POST', body: JSON.stringify(task('a')) });
    await json(server, TASKS, ROOT);
    expect(server.service.callers).toEqual([
      { name: 'alice', admin: false },
      { name: 'root', admin: true },
    ]);
  });

  it("answers another principal's task exactly as an unknown id, for get and cancel", async () => {
    const { body } = await json(server, TASKS, ALICE, { method: 'POST', body: JSON.stringify(task('a')) });
    const id = String(body['id']);
    const unknown = 'X'.repeat(id.length);
    for (const [path, method] of [[`${TASKS}/ID`, 'GET'], [`${TASKS}/ID:cancel`, 'POST']] as const) {
      const theirs = await json(server, path.replace('ID', id), BOB, { method });
      const none = await json(server, path.replace('ID', unknown), BOB, { method });
      expect(theirs.status).toBe(404);
      expect(JSON.stringify(theirs.body).replaceAll(id, '?')).toBe(JSON.stringify(none.body).replaceAll(unknown, '?'));
    }
    expect((await json(server, `${TASKS}/${id}`, ROOT)).status).toBe(200);
    expect((await json(server, TASKS, BOB)).body).toEqual({ tasks: [] });
    expect((await json(server, TASKS, ROOT)).body['tasks']).toHaveLength(1);
  });
});

describe('principal options', () => {
  const error = (auth: unknown) => captureCapstanError(() => createTesHttpServer(new (jest.requireActual('./testing/fake-tes-service').FakeTesService)(), { host: '127.0.0.1', auth, logStream: new CollectedLog() } as never));

  it('refuses a weak token naming the principal, the rule and the fix, never the token', () => {
    const weak = 'abababababababababab';
    const refused = error({ principals: [{ name: 'alice', token: ALICE }, { name: 'bob', token: weak }] });
    expect(refused.path).toBe('auth.principals.1.token');
    expect(refused.message).toMatch(/^auth\.principals\.1\.token \(the token of principal "bob"\) has too little entropy .*openssl rand -hex 32/);
    expect(refused.message).not.toContain(weak);
  });

  it('refuses two principals with one name, and one token for two principals', () => {
    expect(error({ principals: [{ name: 'alice', token: ALICE }, { name: 'alice', token: BOB }] }).message).toMatch(/^auth\.principals\.1\.name is "alice", the name of an earlier principal/);
    const shared = error({ tokens: [ALICE], principals: [{ name: 'alice', token: ALICE }] });
    expect(shared.message).toMatch(/^auth\.principals\.0\.token \(the token of principal "alice"\) is the token of an earlier principal too/);
    expect(shared.message).not.toContain(ALICE);
  });

  it('refuses a principal name that is not a plain word', () => {
    expect(error({ principals: [{ name: '../root', token: ALICE }] }).path).toBe('auth.principals.0.name');
  });
});

/** A request on a real socket with a Host header of our choosing (fetch does not let one set it). */
function withHost(port: number, path: string, host: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const sent = httpRequest({ host: '127.0.0.1', port, path, setHost: host !== undefined, headers: host === undefined ? {} : { host } }, (answer) => {
      answer.resume();
      resolve(answer.statusCode ?? 0);
    });
    sent.on('error', reject);
    sent.end();
  });
}

describe('authentication disabled: the Host header (DNS rebinding)', () => {
  let server: RunningTesServer;
  let port: number;

  beforeAll(async () => {
    server = await startTesServer({ auth: { disabled: true } });
    port = Number(new URL(server.base).port);
  });

  afterAll(() => server.close());

  const everyPath = [TASKS, `${TASKS}/01ABC`, '/ga4gh/tes/v1/service-info', '/ga4gh/tes/v1/openapi.json', '/ga4gh/tes/v1/docs', '/metrics', '/nowhere'];

  it.each(everyPath)('refuses %s for a Host that is not loopback, and for none', async (path) => {
    expect(await withHost(port, path, 'attacker.example:80')).toBe(403);
    expect(await withHost(port, path, '127.0.0.1.nip.io')).toBe(403);
    // Node's HTTP server itself answers 400 to an HTTP/1.1 request without Host.
    expect([400, 403]).toContain(await withHost(port, path, undefined));
  });

  it.each(['localhost', `localhost:${1}`, '127.0.0.1:8000', '[::1]:8000', '[::1]'])('accepts the loopback Host %s', async (host) => {
    expect(await withHost(port, TASKS, host)).toBe(200);
  });
});

describe('rate limits per principal', () => {
  let server: RunningTesServer;

  beforeEach(async () => {
    server = await startTesServer({ auth: { principals }, rateLimit: { max: 3, windowSeconds: 30 } });
  });

  afterEach(() => server.close());

  it('answers 429 with Retry-After past the limit, to that principal only, and never on service-info or /metrics', async () => {
    for (let index = 0; index < 3; index += 1) expect((await json(server, TASKS, ALICE)).status).toBe(200);
    const limited = await json(server, TASKS, ALICE);
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ code: 'http.too_many_requests', status: 429 });
    expect(String(limited.body['message'])).toContain('api.rateLimit.max');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await json(server, TASKS, ALICE, { method: 'POST', body: JSON.stringify(task('a')) })).status).toBe(429);
    expect((await json(server, TASKS, BOB)).status).toBe(200);
    for (let index = 0; index < 5; index += 1) {
      expect((await server.call('/ga4gh/tes/v1/service-info')).status).toBe(200);
      expect((await server.call('/metrics', { headers: { authorization: `Bearer ${ALICE}` } })).status).toBe(200);
    }
  });

  it('counts nothing with max 0', async () => {
    const open = await startTesServer({ auth: { principals }, rateLimit: { max: 0, windowSeconds: 30 } });
    try {
      for (let index = 0; index < 10; index += 1) expect((await json(open, TASKS, ALICE)).status).toBe(200);
    } finally {
      await open.close();
    }
  });
});

describe('list byte budget', () => {
  it('pages through every FULL task under the budget, each page under it', async () => {
    const server = await startTesServer({ auth: { principals }, listBudgetBytes: 64 * 1024 });
    try {
      const created: string[] = [];
      for (let index = 0; index < 9; index += 1) {
        created.push(String((await json(server, TASKS, ALICE, { method: 'POST', body: JSON.stringify(task(`t${index}`, 'y'.repeat(20_000))) })).body['id']));
      }
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const answer = await server.call(`${TASKS}?view=FULL&page_size=256${token === undefined ? '' : `&page_token=${token}`}`, { headers: { authorization: `Bearer ${ALICE}` } });
        const text = await answer.text();
        expect(Buffer.byteLength(text)).toBeLessThan(64 * 1024);
        const page = JSON.parse(text) as { tasks: Array<{ id: string }>; next_page_token?: string };
        seen.push(...page.tasks.map((one) => one.id));
        token = page.next_page_token;
        pages += 1;
      } while (token !== undefined && pages < 20);
      expect(pages).toBeGreaterThanOrEqual(3);
      expect(seen.sort()).toEqual(created.sort());
    } finally {
      await server.close();
    }
  });
});
