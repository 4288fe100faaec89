import { until } from '@capstan/support/testing';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { apiBase, ServerSource } from './server-source';

const TOKEN = 'server-source-token-8c2f4e61a0b9';

let server: Server | undefined;
let source: ServerSource | undefined;

afterEach(async () => {
  await source?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
  source = undefined;
});

async function listen(handle: (request: IncomingMessage, response: ServerResponse) => void): Promise<string> {
  server = createServer(handle);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function firstSnapshot(base: string, token?: string): Promise<ReturnType<ServerSource['snapshot']>> {
  source = new ServerSource(apiBase(base), token, 100);
  const started = source;
  return new Promise((resolve) => started.start(() => resolve(started.snapshot())));
}

describe('apiBase', () => {
  it("takes a server's root or its API base", () => {
    expect(apiBase('http://127.0.0.1:8000')).toBe('http://127.0.0.1:8000/ga4gh/tes/v1');
    expect(apiBase('https://tes.example.org/prefix/ga4gh/tes/v1/')).toBe('https://tes.example.org/prefix/ga4gh/tes/v1');
  });

  it('refuses what is no http(s) URL, and credentials in it (they would show in ps and on screen)', () => {
    expect(() => apiBase('127.0.0.1:8000')).toThrow(/is not a URL|must be an http/);
    expect(() => apiBase('file:///etc/passwd')).toThrow(/must be an http:\/\/ or https:\/\/ URL, not file:/);
    expect(() => apiBase(`http://alice:${TOKEN}@127.0.0.1:1`)).toThrow(/must not hold credentials/);
  });
});

describe('ServerSource', () => {
  it('lists tasks with the bearer token, and the last output line of each', async () => {
    const seen: Array<string | undefined> = [];
    const url = await listen((request, response) => {
      seen.push(request.headers.authorization);
      if (request.url?.startsWith('/ga4gh/tes/v1/events') === true) {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        return;
      }
      response.end(JSON.stringify({ tasks: [{ id: 'T1', state: 'RUNNING', name: 'align', creation_time: new Date().toISOString(), logs: [{ logs: [{ exit_code: -1, stdout: 'a\nb\n' }], outputs: [] }] }] }));
    });
    const { tasks, problem } = await firstSnapshot(url, TOKEN);
    expect(problem).toBeUndefined();
    expect(tasks).toEqual([expect.objectContaining({ key: 'T1', name: 'align', state: 'RUNNING', group: 'running', lastLine: 'b' })]);
    expect(seen.every((header) => header === `Bearer ${TOKEN}`)).toBe(true);
  });

  it('fault: a refusal (401) is a problem naming the status, never the token', async () => {
    const url = await listen((_request, response) => {
      response.writeHead(401, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ message: 'no valid credentials were sent' }));
    });
    const { problem } = await firstSnapshot(url, TOKEN);
    expect(problem).toMatch(/does not answer \(401 no valid credentials were sent\)|no live events .*\(401/);
    expect(problem).not.toContain(TOKEN);
  });

  it('hostile: an answer that is no task list is a problem, and unknown states or bad JSON on the stream are ignored', async () => {
    const url = await listen((request, response) => {
      if (request.url?.startsWith('/ga4gh/tes/v1/events') === true) {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.write('event: state\ndata: {not json\n\nevent: state\ndata: {"taskId":"T1","state":"__proto__"}\n\n');
        return;
      }
      response.end(JSON.stringify({ tasks: 'all of them' }));
    });
    const { tasks, problem } = await firstSnapshot(url);
    expect(tasks).toEqual([]);
    expect(problem).toMatch(/does not answer \(its answer is not TES: tasks: /);
  });

  it('applies the stream\'s state and usage events at once, between two list calls', async () => {
    let lists = 0;
    let stream: ServerResponse | undefined;
    const url = await listen((request, response) => {
      if (request.url?.startsWith('/ga4gh/tes/v1/events') === true) {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.write(': capstan events\n\n');
        stream = response;
        return;
      }
      lists += 1;
      response.end(JSON.stringify({ tasks: [{ id: 'T1', state: 'RUNNING', creation_time: new Date().toISOString() }] }));
    });
    source = new ServerSource(apiBase(url), TOKEN, 60_000);
    const live = source;
    const changes: Array<ReturnType<ServerSource['snapshot']>> = [];
    live.start(() => changes.push(live.snapshot()));
    await until(() => lists === 1 && stream !== undefined && changes.length > 0);
    stream?.write('id: e.1\nevent: usage\ndata: {"taskId":"T1","executor":0,"cpuPercent":42.5,"memoryBytes":1048576}\n\n');
    await until(() => live.snapshot().tasks[0]?.memoryBytes === 1048576);
    expect(live.snapshot().tasks[0]).toMatchObject({ state: 'RUNNING', cpuPercent: 42.5 });
    stream?.write('id: e.2\nevent: state\ndata: {"taskId":"T1","state":"COMPLETE"}\n\n');
    await until(() => live.snapshot().tasks[0]?.state === 'COMPLETE');
    // A task that ended shows no live reading, and nothing was listed again.
    expect(live.snapshot().tasks[0]).toMatchObject({ group: 'succeeded' });
    expect(live.snapshot().tasks[0]).not.toHaveProperty('cpuPercent');
    expect(lists).toBe(1);
  });
});

