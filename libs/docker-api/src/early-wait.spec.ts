import { type ExecutionResult } from '@capstan/core-constraints';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtemp, rm } from 'node:fs/promises';
import { type ClientRequest } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAttemptContainer } from './attempt-container';
import { DockerClient } from './docker-client';
import { NO_LOG_COPY } from './log-copy';

type Fault = 'none' | 'refuse' | 'drop-after-start';

/**
 * A proxy to the real daemon that breaks the early (`next-exit`) wait: `refuse` answers it 500 before anything is in
 * place; `drop-after-start` lets it through and cuts its connection once the start was answered.
 */
async function faultyProxy(path: string, fault: () => Fault): Promise<Server> {
  const earlyWaits = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect('/var/run/docker.sock');
    client.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      if (text.includes('condition=next-exit') && fault() === 'refuse') {
        client.end('HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: 26\r\n\r\n{"message":"refused here"}');
        upstream.destroy();
        return;
      }
      if (text.includes('condition=next-exit')) earlyWaits.add(client);
      if (/^POST \S+\/start/.test(text) && fault() === 'drop-after-start') {
        upstream.once('data', () => setTimeout(() => earlyWaits.forEach((socket) => socket.destroy()), 50));
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return server;
}

// On the real daemon: the wait is put in place before the start (as `docker run` does), and one that breaks never
// turns into a made-up end.
describe('the wait asked for before the start (real daemon)', () => {
  jest.setTimeout(60_000);
  let folder: string;
  let server: Server;
  let fault: Fault;
  let requests: string[];
  const onRequest = (message: unknown): void => void requests.push(`${(message as { request: ClientRequest }).request.method} ${(message as { request: ClientRequest }).request.path}`);
  const mark = { 'call-path-early-wait': `${process.pid}` };

  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'call-path-early-wait-'));
    fault = 'none';
    requests = [];
    server = await faultyProxy(join(folder, 'docker.sock'), () => fault);
    subscribe('http.client.request.start', onRequest);
  });
  afterEach(async () => {
    unsubscribe('http.client.request.start', onRequest);
    await new Promise((resolve) => server.close(resolve));
    await rm(folder, { recursive: true, force: true });
  });

  const run = (script: string): Promise<ExecutionResult> => {
    const client = new DockerClient({ socketPath: join(folder, 'docker.sock') }, {});
    return runAttemptContainer({
      client,
      spec: { name: `call-path-early-wait-${process.pid}-${Date.now()}`, Image: 'capstan-test/busybox:1', Cmd: ['sh', '-c', script], Labels: mark, AttachStdout: true, AttachStderr: true, HostConfig: { LogConfig: NO_LOG_COPY } },
      paths: { root: folder, commandFile: join(folder, 'command'), workDir: folder, stdoutFile: join(folder, 'stdout'), stderrFile: join(folder, 'stderr') },
      graceSeconds: 1,
      keepFailedContainers: false,
      signal: new AbortController().signal,
      emit: () => undefined,
    });
  };
  // Without a backend to hand it the daemon's facts, the client's first attempt asks `GET /info` for the attempts'
  // cgroup (knowDaemonCgroups): once per client, before the create, not part of the order checked here.
  const kinds = (): string[] =>
    requests.filter((line) => !line.startsWith('GET /info')).map((line) => (line.includes('condition=next-exit') ? 'early wait' : line.includes('/wait') ? 'wait' : (/^\w+ \/containers\/(?:[0-9a-f]+\/)?(\w+)/.exec(line)?.[1] ?? line)));

  it('asks for the wait before the start, and no wait after it; the exit status is the container’s own', async () => {
    expect(await run('sleep 1; exit 7')).toMatchObject({ exitCode: 7, endReason: 'exited' });
    // The attach and the early wait go out together, in either order, both before the start.
    expect(new Set(kinds().slice(0, 3))).toEqual(new Set(['create', 'attach', 'early wait']));
    expect(kinds()[3]).toBe('start');
    expect(kinds()).not.toContain('wait');
  });

  it('hostile: a task that ends at once, many times over, always reads its own status (no exit missed before the wait)', async () => {
    for (const code of [0, 3, 0, 5, 0]) expect(await run(`exit ${code}`)).toMatchObject({ exitCode: code, endReason: 'exited' });
  });

  it('fault: an early wait the daemon refused is replaced by a wait after the start; the status is still the container’s', async () => {
    fault = 'refuse';
    expect(await run('sleep 0.2; exit 4')).toMatchObject({ exitCode: 4, endReason: 'exited' });
    expect(kinds().indexOf('wait')).toBeGreaterThan(kinds().indexOf('start'));
  });

  it('fault: an early wait cut after the start is replaced by a wait; the status is the container’s, never a made-up success', async () => {
    fault = 'drop-after-start';
    expect(await run('sleep 0.5; exit 3')).toMatchObject({ exitCode: 3, endReason: 'exited' });
    expect(kinds().filter((kind) => kind === 'wait')).toHaveLength(1);
    expect(await new DockerClient({}, {}).listContainers(mark)).toEqual([]);
  });
});
