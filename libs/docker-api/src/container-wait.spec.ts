import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CapstanError } from '@capstan/core-constraints';
import { DockerClient } from './docker-client';

/** A fake daemon that sends a wait's headers and then closes the connection, as a daemon that dies mid-wait does. */
async function hangingUpDaemon(socketPath: string, answerAfter: number): Promise<{ server: Server; waits: () => number }> {
  let waits = 0;
  const server = createServer((request, response) => {
    waits += 1;
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.flushHeaders();
    if (waits > answerAfter) response.end('{"StatusCode":7}\n');
    else setTimeout(() => request.socket.destroy(), 20);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return { server, waits: () => waits };
}

describe('container wait over a connection that closes before the answer', () => {
  let dir: string;
  let server: Server | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capstan-wait-'));
  });
  afterEach(async () => {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await rm(dir, { recursive: true, force: true });
  });

  it('rejects instead of staying pending forever, after re-issuing it a bounded number of times', async () => {
    const daemon = await hangingUpDaemon(join(dir, 'd.sock'), Infinity);
    server = daemon.server;
    const client = new DockerClient({ socketPath: join(dir, 'd.sock'), retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 1 } });
    const failure = await client.waitContainer('abc').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CapstanError);
    expect((failure as CapstanError).message).toContain('connection closed before the daemon answered the container wait');
    expect((failure as CapstanError).details['code']).toBe('ECONNRESET');
    expect(daemon.waits()).toBe(3);
  });

  it('returns the exit status of a re-issued wait once the daemon answers', async () => {
    const daemon = await hangingUpDaemon(join(dir, 'd.sock'), 1);
    server = daemon.server;
    const client = new DockerClient({ socketPath: join(dir, 'd.sock'), retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 1 } });
    expect(await client.waitContainer('abc')).toBe(7);
    expect(daemon.waits()).toBe(2);
  });
});
