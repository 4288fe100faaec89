import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SocketProxy } from './socket-proxy';

/** Sends `text` through a new connection to `path`; resolves with the echo, or rejects with the socket's error code. */
function roundTrip(path: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(path, () => socket.write(text));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString());
    });
    socket.once('error', (error: NodeJS.ErrnoException) => reject(new Error(error.code)));
  });
}

describe('SocketProxy (the fault harness in front of an engine socket)', () => {
  let dir: string;
  let upstream: Server;
  let proxy: SocketProxy;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capstan-proxy-spec-'));
    upstream = createServer((socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => upstream.listen(join(dir, 'engine.sock'), resolve));
    proxy = await SocketProxy.start(join(dir, 'engine.sock'));
  });
  afterEach(async () => {
    await proxy.close();
    await new Promise((resolve) => upstream.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('forwards to the engine socket and names itself as a unix:// address', async () => {
    expect(await roundTrip(proxy.path, 'ping')).toBe('ping');
    expect(proxy.address).toBe(`unix://${proxy.path}`);
    expect(proxy.connections).toBe(1);
  });

  it('cut: open connections end at once and new ones fail like a stopped daemon\'s, until restored', async () => {
    const open: Socket = connect(proxy.path);
    await new Promise((resolve) => open.once('connect', resolve));
    while (proxy.connections === 0) await new Promise((resolve) => setImmediate(resolve)); // accepted on its side too
    const closed = new Promise((resolve) => open.once('close', resolve));
    await proxy.cut();
    await closed;
    expect(proxy.isCut).toBe(true);
    await expect(roundTrip(proxy.path, 'x')).rejects.toThrow(/ENOENT|ECONNREFUSED/);
    await proxy.restore();
    expect(await roundTrip(proxy.path, 'back')).toBe('back');
  });

  it('drop: open connections end, new ones still go through', async () => {
    const open: Socket = connect(proxy.path);
    await new Promise((resolve) => open.once('connect', resolve));
    while (proxy.connections === 0) await new Promise((resolve) => setImmediate(resolve)); // accepted on its side too
    const closed = new Promise((resolve) => open.once('close', resolve));
    proxy.drop();
    await closed;
    expect(await roundTrip(proxy.path, 'still')).toBe('still');
  });

  it('freeze: connections, old and new, stay open and silent; thaw delivers what waited', async () => {
    const open: Socket = connect(proxy.path);
    await new Promise((resolve) => open.once('connect', resolve));
    while (proxy.connections === 0) await new Promise((resolve) => setImmediate(resolve));
    proxy.freeze();
    expect(proxy.isFrozen).toBe(true);
    let heard = '';
    let closed = false;
    open.on('data', (data: Buffer) => (heard += data.toString()));
    open.once('close', () => (closed = true));
    open.write('held');
    const late = roundTrip(proxy.path, 'late');
    let lateAnswer: string | undefined;
    void late.then((text) => (lateAnswer = text));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(heard).toBe('');
    expect(lateAnswer).toBeUndefined();
    expect(closed).toBe(false);
    proxy.thaw();
    expect(await late).toBe('late');
    while (heard === '') await new Promise((resolve) => setTimeout(resolve, 10));
    expect(heard).toBe('held');
    open.destroy();
  });
});
