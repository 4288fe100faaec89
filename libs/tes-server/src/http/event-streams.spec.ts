import { SseReader } from '@capstan/support/testing';
import { connect } from 'node:net';
import { type RunningTesServer, OTHER_TOKEN, startTesServer, TEST_TOKEN } from './testing/running-tes-server';

// The live event stream over a real fastify server (a fake service whose journal the spec fills): visibility, resumption,
// limits, heartbeats, a slow client and shutdown. The stream over real Docker tasks is apps/api's events.spec.ts.
const TASK = { executors: [{ image: 'alpine', command: ['true'] }] };
const EVENTS = '/ga4gh/tes/v1/events';

let server: RunningTesServer;

jest.setTimeout(30_000);

afterEach(async () => {
  await server.close();
});

async function open(token = TEST_TOKEN, headers: Record<string, string> = {}): Promise<SseReader> {
  const { reader, refusal } = await SseReader.open(`${server.base}${EVENTS}`, { authorization: `Bearer ${token}`, ...headers });
  if (refusal !== undefined) throw new Error(`refused: ${JSON.stringify(refusal)}`);
  return reader;
}

async function createAs(token: string): Promise<string> {
  const response = await server.call('/ga4gh/tes/v1/tasks', { method: 'POST', body: JSON.stringify(TASK), headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
  return ((await response.json()) as { id: string }).id;
}

describe('GET /ga4gh/tes/v1/events', () => {
  it("streams the caller's task events in order with ids, and never another principal's (hostile)", async () => {
    server = await startTesServer();
    const mine = await createAs(TEST_TOKEN);
    const theirs = await createAs(OTHER_TOKEN);
    const reader = await open();
    const { events } = server.service;
    events.append({ type: 'state', taskId: theirs, state: 'RUNNING' });
    events.append({ type: 'state', taskId: mine, state: 'INITIALIZING' });
    events.append({ type: 'executor-started', taskId: mine, executor: 0 });
    events.append({ type: 'usage', taskId: theirs, executor: 0, sample: { elapsedSeconds: 1, memoryBytes: 7 } });
    events.append({ type: 'usage', taskId: mine, executor: 0, sample: { elapsedSeconds: 1, memoryBytes: 5, cpuSeconds: 0.5 } });
    events.append({ type: 'system-log', taskId: theirs, message: 'secret of theirs' });
    events.append({ type: 'executor-ended', taskId: mine, executor: 0, exitCode: 0 });
    events.append({ type: 'state', taskId: mine, state: 'COMPLETE' });
    await reader.until((read) => read.data('state').length === 2);
    reader.close();
    expect(reader.events.map((event) => event.event)).toEqual(['state', 'executor-started', 'usage', 'executor-ended', 'state']);
    expect(reader.events.every((event) => event.id !== undefined && JSON.parse(event.data).taskId === mine)).toBe(true);
    expect(reader.data('usage')[0]).toMatchObject({ taskId: mine, executor: 0, memoryBytes: 5, cpuSeconds: 0.5 });
    expect(reader.data('executor-ended')[0]).toMatchObject({ exitCode: 0 });
    expect(JSON.stringify(reader.events)).not.toContain('secret of theirs');
  });

  it("shows an admin every principal's task events, and streams no transfer or reconciliation events", async () => {
    const ADMIN = 'admin-token-6d2f9c1a7e3b4058b9';
    server = await startTesServer({ auth: { tokens: [TEST_TOKEN, OTHER_TOKEN], principals: [{ name: 'ops', token: ADMIN, admin: true }] } });
    const mine = await createAs(TEST_TOKEN);
    const theirs = await createAs(OTHER_TOKEN);
    const admin = await open(ADMIN);
    server.service.events.append({ type: 'transfer', taskId: mine, progress: { direction: 'input', url: 'file:///x', path: '/x', bytes: 1 } as never });
    server.service.events.append({ type: 'reconciled', taskId: mine, outcome: 'taken over' });
    server.service.events.append({ type: 'state', taskId: mine, state: 'RUNNING' });
    server.service.events.append({ type: 'state', taskId: theirs, state: 'RUNNING' });
    await admin.until((read) => read.events.length === 2);
    admin.close();
    expect(admin.data('state').map((data) => data['taskId'])).toEqual([mine, theirs]);
    expect(admin.events.map((event) => event.event)).toEqual(['state', 'state']);
  });

  it('keeps a task\'s text inside its frame: newlines in a system log cannot forge an event (hostile)', async () => {
    server = await startTesServer();
    const mine = await createAs(TEST_TOKEN);
    const reader = await open();
    server.service.events.append({ type: 'system-log', taskId: mine, message: 'line\n\nevent: state\ndata: {"state":"COMPLETE"}\n\n' });
    await reader.until((read) => read.events.length === 1);
    server.service.events.append({ type: 'state', taskId: mine, state: 'RUNNING' });
    await reader.until((read) => read.events.length === 2);
    reader.close();
    expect(reader.events.map((event) => event.event)).toEqual(['system-log', 'state']);
    expect(reader.data('system-log')[0]?.['message']).toContain('event: state');
  });

  it('resumes after Last-Event-ID without loss, and says what is lost with a gap event: too old, another process, never sent', async () => {
    server = await startTesServer();
    const mine = await createAs(TEST_TOKEN);
    const { events } = server.service;
    const first = await open();
    events.append({ type: 'state', taskId: mine, state: 'INITIALIZING' });
    await first.until((read) => read.events.length === 1);
    first.close();
    const lastId = first.events[0]?.id ?? '';
    events.append({ type: 'state', taskId: mine, state: 'RUNNING' });
    events.append({ type: 'system-log', taskId: mine, message: 'while away' });
    const resumed = await open(TEST_TOKEN, { 'last-event-id': lastId });
    await resumed.until((read) => read.events.length === 2);
    events.append({ type: 'state', taskId: mine, state: 'COMPLETE' });
    await resumed.until((read) => read.events.length === 3);
    resumed.close();
    expect(resumed.events.map((event) => event.event)).toEqual(['state', 'system-log', 'state']);
    expect(resumed.data('state').map((data) => data['state'])).toEqual(['RUNNING', 'COMPLETE']);

    // The fake's journal keeps 100 events: 150 more push the id out.
    for (let index = 0; index < 150; index += 1) events.append({ type: 'system-log', taskId: mine, message: `line ${index}` });
    const late = await open(TEST_TOKEN, { 'last-event-id': lastId });
    await late.until((read) => read.events.length === 101);
    late.close();
    expect(late.events[0]).toMatchObject({ event: 'gap' });
    expect(late.data('gap')[0]).toMatchObject({ missed: 53 });
    expect(late.data('gap')[0]?.['reason']).toContain('the last 100');
    expect(late.data('system-log').at(-1)?.['message']).toBe('line 149');

    for (const [id, words] of [['zz0.3', 'earlier server process'], [`${lastId.split('.')[0]}.99999`, 'never sent']] as const) {
      const reader = await open(TEST_TOKEN, { 'last-event-id': id });
      await reader.until((read) => read.events.length === 1);
      reader.close();
      expect(reader.data('gap')[0]?.['reason']).toContain(words);
    }
  });

  it('refuses a malformed Last-Event-ID (400) and a missing token (401) before streaming', async () => {
    server = await startTesServer();
    const bad = await SseReader.open(`${server.base}${EVENTS}`, { authorization: `Bearer ${TEST_TOKEN}`, 'last-event-id': '../../x'.repeat(50) });
    expect(bad.reader.status).toBe(400);
    expect(bad.refusal).toMatchObject({ code: 'http.bad_request', path: 'last_event_id' });
    const anonymous = await SseReader.open(`${server.base}${EVENTS}`);
    expect(anonymous.reader.status).toBe(401);
  });

  it('limits open streams per principal and in all with a 429 naming the limit and the fix, and frees a closed one', async () => {
    server = await startTesServer({ events: { maxStreams: 3, maxStreamsPerPrincipal: 2 } });
    const readers = [await open(), await open()];
    const third = await SseReader.open(`${server.base}${EVENTS}`, { authorization: `Bearer ${TEST_TOKEN}` });
    expect(third.reader.status).toBe(429);
    expect(third.refusal).toMatchObject({ code: 'http.too_many_streams', status: 429 });
    expect(JSON.stringify(third.refusal)).toContain('api.events.maxStreamsPerPrincipal: 2');
    readers.push(await open(OTHER_TOKEN));
    const fourth = await SseReader.open(`${server.base}${EVENTS}`, { authorization: `Bearer ${OTHER_TOKEN}` });
    expect(fourth.reader.status).toBe(429);
    expect(JSON.stringify(fourth.refusal)).toContain('api.events.maxStreams: 3');
    readers[0]?.close();
    const metrics = async (): Promise<string> => (await server.call('/metrics')).text();
    for (let tries = 0; !(await metrics()).includes('capstan_tes_event_streams 2') && tries < 50; tries += 1) await new Promise((wait) => setTimeout(wait, 50));
    readers.push(await open());
    for (const reader of readers) reader.close();
  });

  it('sends heartbeat comments so proxies keep an idle stream open', async () => {
    server = await startTesServer({ events: { heartbeatSeconds: 0.1 } });
    const reader = await open();
    await reader.until((read) => read.comments.filter((comment) => comment.startsWith('heartbeat')).length >= 3, 5_000, 'three heartbeats');
    reader.close();
    expect(reader.events).toEqual([]);
  });

  it('drops a client that never reads, with a last event saying why, holding no more than the bound (fault)', async () => {
    server = await startTesServer({ events: { maxPendingBytes: 64 * 1024 } });
    const mine = await createAs(TEST_TOKEN);
    const url = new URL(server.base);
    const socket = connect(Number(url.port), url.hostname);
    socket.pause();
    socket.write(`GET ${EVENTS} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${TEST_TOKEN}\r\n\r\n`);
    await new Promise((wait) => setTimeout(wait, 300));
    const line = 'x'.repeat(8 * 1024);
    let sent = 0;
    // 64 MiB of events: far beyond the socket buffers, so a server that kept them all would hold them in memory.
    for (let index = 0; index < 8192; index += 1) {
      server.service.events.append({ type: 'system-log', taskId: mine, message: line });
      sent += line.length;
      if (index % 256 === 0) await new Promise((wait) => setImmediate(wait));
    }
    const metrics = await (await server.call('/metrics')).text();
    expect(metrics).toContain('capstan_tes_event_streams_dropped_total 1');
    expect(metrics).toContain('capstan_tes_event_streams 0');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    socket.resume();
    await new Promise((done) => socket.once('close', done));
    expect(received.length).toBeLessThan(sent / 4);
    expect(received).toMatch(/event: dropped\ndata: \{"reason":"the client read too slowly: \d+ bytes were waiting, more than the 65536 allowed \(api\.events\.maxPendingBytes\)/);
  });

  it('ends every stream with a shutdown event when the server closes, and close() does not hang', async () => {
    server = await startTesServer();
    const readers = [await open(), await open(OTHER_TOKEN)];
    await server.close();
    for (const reader of readers) {
      await reader.until((read) => read.events.length === 1 && read.ended, 5_000, 'shutdown and end').catch(() => undefined);
      expect(reader.data('shutdown')[0]?.['reason']).toContain('shutting down');
      expect(reader.ended).toBe(true);
    }
    server = await startTesServer();
  });
});
