import { type TesErrorBody } from './http-error-body';
import { type RunningTesServer, startTesServer } from './testing/running-tes-server';

const TASKS = '/ga4gh/tes/v1/tasks';
const JSON_HEADERS = { 'content-type': 'application/json' };

function task(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { executors: [{ image: 'capstan-test/busybox:1', command: ['echo', 'hi'] }], ...overrides };
}

describe('the TES routes', () => {
  let server: RunningTesServer;

  beforeEach(async () => {
    server = await startTesServer();
  });

  afterEach(async () => {
    await server.close();
  });

  async function create(body: Record<string, unknown> = task()): Promise<string> {
    const answer = await server.call(TASKS, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(body) });
    expect(answer.status).toBe(200);
    const { id } = (await answer.json()) as { id: string };
    return id;
  }

  async function errorOf(answer: Response, status: number): Promise<TesErrorBody> {
    expect(answer.status).toBe(status);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await answer.json()) as TesErrorBody;
    expect(body.status).toBe(status);
    return body;
  }

  it('answers GET /service-info with the service\'s info', async () => {
    const answer = await server.call('/ga4gh/tes/v1/service-info');
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual(server.service.serviceInfo());
  });

  it('creates a task with POST /tasks and answers its id', async () => {
    const id = await create(task({ name: 'align' }));
    expect(server.service.tasks.get(id)).toMatchObject({ id, name: 'align', state: 'QUEUED' });
  });

  it('answers GET /tasks/{id} in each view', async () => {
    const id = await create(task({ inputs: [{ path: '/data/in.txt', content: 'secret input' }] }));
    server.service.find(id).logs = [{ logs: [{ exit_code: 0, stdout: 'out', stderr: 'err' }], outputs: [], system_logs: ['note'] }];

    const minimal = await (await server.call(`${TASKS}/${id}`)).json();
    expect(minimal).toEqual({ id, state: 'QUEUED' });
    expect(await (await server.call(`${TASKS}/${id}?view=MINIMAL`)).json()).toEqual(minimal);

    const basic = (await (await server.call(`${TASKS}/${id}?view=BASIC`)).json()) as Record<string, unknown>;
    expect(basic).toMatchObject({ id, executors: [{ image: 'capstan-test/busybox:1' }], inputs: [{ path: '/data/in.txt' }], logs: [{ logs: [{ exit_code: 0 }] }] });
    expect(JSON.stringify(basic)).not.toMatch(/secret input|"stdout"|"stderr"|system_logs/);

    const full = await (await server.call(`${TASKS}/${id}?view=FULL`)).json();
    expect(full).toMatchObject({ inputs: [{ content: 'secret input' }], logs: [{ logs: [{ stdout: 'out', stderr: 'err' }], system_logs: ['note'] }] });
  });

  it('lists tasks with GET /tasks, filtered and paged, newest first', async () => {
    const first = await create(task({ name: 'align-1' }));
    const second = await create(task({ name: 'align-2' }));
    await create(task({ name: 'sort-1' }));

    const answer1 = await server.call(`${TASKS}?name_prefix=align&page_size=1`);
    // The page is sent as JSON text the server joined itself: still JSON, said so.
    expect(answer1.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const page1 = (await answer1.json()) as { tasks: unknown[]; next_page_token: string };
    expect(page1.tasks).toEqual([{ id: second, state: 'QUEUED' }]);
    const page2 = (await (await server.call(`${TASKS}?name_prefix=align&page_size=1&page_token=${page1.next_page_token}`)).json()) as Record<string, unknown>;
    expect(page2).toEqual({ tasks: [{ id: first, state: 'QUEUED' }] });

    const basic = (await (await server.call(`${TASKS}?view=BASIC&state=QUEUED&name_prefix=sort`)).json()) as { tasks: Array<Record<string, unknown>> };
    expect(basic.tasks).toEqual([expect.objectContaining({ name: 'sort-1', executors: expect.any(Array) })]);
  });

  it('reads repeated tag_key and tag_value parameters as lists, paired by position', async () => {
    const both = await create(task({ tags: { project: 'p1', stage: 'qc' } }));
    const otherStage = await create(task({ tags: { project: 'p1', stage: 'final' } }));
    await create(task({ tags: { project: 'p2' } }));

    const ids = async (query: string) => ((await (await server.call(`${TASKS}?${query}`)).json()) as { tasks: Array<{ id: string }> }).tasks.map((t) => t.id);
    expect(await ids('tag_key=project&tag_value=p1&tag_key=stage&tag_value=qc')).toEqual([both]);
    expect(await ids('tag_key=project&tag_key=stage&tag_value=p1')).toEqual([otherStage, both]);
    expect(await ids('tag_key=project&tag_value=p1')).toEqual([otherStage, both]);
  });

  it.each([
    ['a colon', ':cancel'],
    ['%3A', '%3Acancel'],
    ['%3a', '%3acancel'],
  ])('cancels with POST /tasks/{id}:cancel written with %s', async (_label, suffix) => {
    const id = await create();
    const answer = await server.call(`${TASKS}/${id}${suffix}`, { method: 'POST' });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({});
    expect(server.service.find(id).state).toBe('CANCELING');
  });

  it('cancels with an empty JSON body, and answers a finished task with the same no-op {}', async () => {
    const id = await create();
    server.service.find(id).state = 'COMPLETE';
    const answer = await server.call(`${TASKS}/${id}:cancel`, { method: 'POST', headers: JSON_HEADERS });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({});
    expect(server.service.find(id).state).toBe('COMPLETE');
  });

  it('does not route other actions after the colon', async () => {
    const id = await create();
    const body = await errorOf(await server.call(`${TASKS}/${id}:pause`, { method: 'POST' }), 404);
    expect(body.code).toBe('http.route_not_found');
  });

  describe('errors', () => {
    it('answers an invalid task with 400 naming the field', async () => {
      const answer = await server.call(TASKS, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ executors: [{ image: 'x', command: 'echo hi' }] }) });
      const body = await errorOf(answer, 400);
      expect(body).toMatchObject({ code: 'tes.invalid_task', path: 'executors.0.command' });
      expect(body.message).toMatch(/^executors\.0\.command /);
    });

    it.each([
      ['page_size=0', 'page_size'],
      ['view=full', 'view'],
      ['state=running', 'state'],
      ['tag_value=x', 'tag_value'],
      ['page_token=not-a-token', 'page_token'],
    ])('answers GET /tasks?%s with 400 naming %s', async (query, parameter) => {
      const body = await errorOf(await server.call(`${TASKS}?${query}`), 400);
      expect(body).toMatchObject({ code: 'tes.invalid_query', path: parameter });
    });

    it('answers a bad view on GET /tasks/{id} with 400 naming view', async () => {
      const id = await create();
      const body = await errorOf(await server.call(`${TASKS}/${id}?view=EVERYTHING`), 400);
      expect(body).toMatchObject({ code: 'tes.invalid_query', path: 'view' });
    });

    it('answers an unknown task with 404, on GET and on cancel', async () => {
      expect(await errorOf(await server.call(`${TASKS}/01JUNKNOWN0000000000000000`), 404)).toMatchObject({ code: 'tes.task_not_found', path: 'id' });
      expect(await errorOf(await server.call(`${TASKS}/01JUNKNOWN0000000000000000:cancel`, { method: 'POST' }), 404)).toMatchObject({ code: 'tes.task_not_found' });
    });

    it('answers an unknown route with a JSON 404', async () => {
      const body = await errorOf(await server.call('/ga4gh/tes/v2/tasks?x=1'), 404);
      expect(body.code).toBe('http.route_not_found');
      expect(body.message).toContain('GET /ga4gh/tes/v2/tasks;');
      expect((await errorOf(await server.call(TASKS, { method: 'DELETE' }), 404)).code).toBe('http.route_not_found');
    });

    it('answers malformed JSON with 400', async () => {
      const body = await errorOf(await server.call(TASKS, { method: 'POST', headers: JSON_HEADERS, body: '{"executors": [' }), 400);
      expect(body.code).toBe('http.invalid_json');
      expect(body.message).toMatch(/^the request body is not valid JSON \(.+\); send one JSON object/);
    });

    it('answers a body that is not JSON with 415', async () => {
      const body = await errorOf(await server.call(TASKS, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'echo hi' }), 415);
      expect(body.code).toBe('http.unsupported_media_type');
      expect(body.message).toContain('Content-Type: application/json');
    });

    it('answers an empty POST /tasks as an invalid task', async () => {
      expect((await errorOf(await server.call(TASKS, { method: 'POST', headers: JSON_HEADERS }), 400)).code).toBe('tes.invalid_task');
    });

    it('answers a failure without a code with a 500 that shows no detail', async () => {
      server.service.failure = new Error('database at /var/lib/capstan is locked');
      const body = await errorOf(await server.call(TASKS), 500);
      expect(body.code).toBe('http.internal');
      expect(body.message).toMatch(/^the server failed while answering GET \/ga4gh\/tes\/v1\/tasks \(request .+\); the server's log has the details$/);
      expect(body.message).not.toContain('locked');
    });
  });

  describe('with a small body limit', () => {
    let small: RunningTesServer;

    beforeEach(async () => {
      small = await startTesServer({ bodyLimitBytes: 1024, bodyLimitSetting: 'server.bodyLimitBytes' });
    });

    afterEach(async () => {
      await small.close();
    });

    it('answers a larger body with 413 naming the limit and the setting', async () => {
      const body = JSON.stringify(task({ description: 'x'.repeat(2000) }));
      const answer = await small.call(TASKS, { method: 'POST', headers: JSON_HEADERS, body });
      const error = await errorOf(answer, 413);
      expect(error.code).toBe('tes.body_too_large');
      expect(error.message).toContain('1024 bytes (1 KiB)');
      expect(error.message).toContain(`this one is ${Buffer.byteLength(body)} bytes`);
      expect(error.message).toContain('raise server.bodyLimitBytes');
      expect(small.service.tasks.size).toBe(0);
    });

    it('takes a body within the limit', async () => {
      const answer = await small.call(TASKS, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(task()) });
      expect(answer.status).toBe(200);
    });
  });
});
