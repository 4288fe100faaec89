import { LogRedactor } from './log-redactor';
import { RequestLog } from './request-log';
import { CollectedLog, OTHER_TOKEN, type RunningTesServer, startTesServer, TEST_TOKEN } from './testing/running-tes-server';

const TASKS = '/ga4gh/tes/v1/tasks';

describe('the request log', () => {
  let server: RunningTesServer;

  beforeEach(async () => {
    server = await startTesServer();
  });

  afterEach(async () => {
    await server.close();
  });

  it('writes one JSON line per request with method, route, status, duration and task id', async () => {
    const created = await server.call(TASKS, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ executors: [{ image: 'x', command: ['true'] }] }) });
    const { id } = (await created.json()) as { id: string };
    await server.call(`${TASKS}/${id}?view=BASIC`);
    await server.call(`${TASKS}/${id}%3Acancel`, { method: 'POST' });
    await server.log.waitFor((line) => line['method'] === 'POST' && line['route'] === '/ga4gh/tes/v1/tasks/{id}:cancel');

    const lines = server.log.lines();
    expect(lines).toHaveLength(3);
    expect(lines.map(({ method, route, status, taskId, principal }) => ({ method, route, status, taskId, principal }))).toEqual([
      { method: 'POST', route: '/ga4gh/tes/v1/tasks', status: 200, taskId: id, principal: 'token-1' },
      { method: 'GET', route: '/ga4gh/tes/v1/tasks/{id}', status: 200, taskId: id, principal: 'token-1' },
      { method: 'POST', route: '/ga4gh/tes/v1/tasks/{id}:cancel', status: 200, taskId: id, principal: 'token-1' },
    ]);
    for (const line of lines) {
      expect(line).toMatchObject({ level: 'info', msg: 'request', requestId: expect.any(String), durationMs: expect.any(Number) });
      expect(Date.parse(line['time'] as string)).not.toBeNaN();
      expect(line['durationMs']).toBeGreaterThanOrEqual(0);
      expect(line).not.toHaveProperty('path');
    }
    expect(server.log.text.split('\n').filter((line) => line !== '')).toHaveLength(3);
  });

  it('logs errors with their code, and unmatched requests by path without the query', async () => {
    await server.call(`${TASKS}?page_size=0`);
    await server.call(`/nowhere?access_token=${TEST_TOKEN}`);
    const refused = await server.log.waitFor((line) => line['status'] === 400);
    expect(refused).toMatchObject({ level: 'warn', route: '/ga4gh/tes/v1/tasks', error: { code: 'tes.invalid_query', message: expect.stringMatching(/^page_size /) } });
    const unmatched = await server.log.waitFor((line) => line['status'] === 404);
    expect(unmatched).toMatchObject({ route: null, path: '/nowhere', error: { code: 'http.route_not_found' } });
  });

  it('never holds a token, an Authorization header or URL credentials', async () => {
    await server.call(TASKS);
    await fetch(`${server.base}${TASKS}`, { headers: { authorization: `Bearer ${OTHER_TOKEN}` } });
    await fetch(`${server.base}${TASKS}`, { headers: { authorization: 'Bearer not-a-known-token-123456' } });
    await fetch(`${server.base}${TASKS}`, { headers: { authorization: 'Basic dXNlcjpwYXNzd29yZA==' } });
    await server.call(`/nowhere/${TEST_TOKEN}?token=${OTHER_TOKEN}`);
    server.service.failure = new Error(`fetch https://alice:hunter2@data.example.org/x.bam?X-Amz-Signature=abc123 failed with Bearer ${TEST_TOKEN}`);
    await server.call(TASKS);
    const failed = await server.log.waitFor((line) => line['status'] === 500);

    expect(server.log.lines()).toHaveLength(6);
    for (const secret of [TEST_TOKEN, OTHER_TOKEN, 'not-a-known-token-123456', 'dXNlcjpwYXNzd29yZA', 'hunter2', 'alice', 'abc123']) {
      expect(server.log.text).not.toContain(secret);
    }
    const fields = new Set(server.log.lines().flatMap((line) => Object.keys(line)));
    expect([...fields].sort()).toEqual(['durationMs', 'error', 'level', 'method', 'msg', 'path', 'principal', 'requestId', 'route', 'status', 'time']);
    expect(failed).toMatchObject({ level: 'error', error: { code: 'http.internal', message: 'fetch https://[REDACTED]@data.example.org/x.bam?X-Amz-Signature=[REDACTED] failed with Bearer [REDACTED]' } });
    expect((failed['error'] as { stack: string }).stack).toContain('[REDACTED]@data.example.org');
  });
});

describe('RequestLog', () => {
  it('writes each record as one line of JSON, redacted, with its level from the status', () => {
    const sink = new CollectedLog();
    const log = new RequestLog(sink, new LogRedactor(['s3cr3t-token-value-42']), () => new Date('2025-01-02T03:04:05.000Z'));
    log.write({ method: 'GET', route: '/x', status: 503, durationMs: 1.23456, requestId: 'req-1', error: { code: 'c', message: 'saw s3cr3t-token-value-42\nand more' } });
    expect(sink.text).toBe(
      '{"time":"2025-01-02T03:04:05.000Z","level":"error","msg":"request","method":"GET","route":"/x","status":503,"durationMs":1.235,"requestId":"req-1","error":{"code":"c","message":"saw [REDACTED]\\nand more"}}\n',
    );
  });
});
