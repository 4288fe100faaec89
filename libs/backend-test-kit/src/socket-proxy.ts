import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A fault harness for tests: a UNIX socket that forwards every connection to an engine's socket, and that the test can
 * cut (every open connection destroyed, the socket file gone, so a new connect fails like a stopped daemon's) and
 * restore. Point a client at it with `address` (DOCKER_HOST or the backend's socketPath).
 */
export class SocketProxy {
  private server: Server | undefined;
  private readonly open = new Set<Socket>();
  /** Each connection's two sides, client first, so a freeze can stop and a thaw restart their forwarding. */
  private readonly pairs = new Set<readonly [Socket, Socket]>();
  private frozen = false;
  /** Connections accepted since the start, so a test can tell its client really went through here. */
  connections = 0;

  private constructor(
    readonly target: string,
    private readonly folder: string,
  ) {}

  /** Starts a proxy to `target` (e.g. /var/run/docker.sock) on a socket in a fresh temp folder. */
  static async start(target: string): Promise<SocketProxy> {
    const proxy = new SocketProxy(target, await mkdtemp(join(tmpdir(), 'capstan-proxy-')));
    await proxy.restore();
    return proxy;
  }

  get path(): string {
    return join(this.folder, 'engine.sock');
  }

  /** `unix://<path>`, for DOCKER_HOST or CONTAINER_HOST. */
  get address(): string {
    return `unix://${this.path}`;
  }

  get isCut(): boolean {
    return this.server === undefined;
  }

  /** Drops every open connection at once and refuses new ones until `restore`. */
  async cut(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    this.drop();
    await closed;
  }

  /** Drops every open connection but goes on accepting new ones: a broken connection to a daemon that still answers. */
  drop(): void {
    for (const socket of this.open) socket.destroy();
    this.open.clear();
  }

  get isFrozen(): boolean {
    return this.frozen;
  }

  /**
   * A daemon that hangs: connections stay open and new ones are accepted, but nothing is forwarded either way (the
   * bytes wait in the sockets) until `thaw`. A client sees no error, only silence.
   */
  freeze(): void {
    this.frozen = true;
    for (const [client, upstream] of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
    }
  }

  /** Forwards again, what waited first: the daemon answers what it was asked while frozen. */
  thaw(): void {
    if (!this.frozen) return;
    this.frozen = false;
    for (const pair of this.pairs) pipePair(pair);
  }

  /** Accepts connections again (a no-op when not cut). */
  async restore(): Promise<void> {
    if (this.server !== undefined) return;
    const server = createServer((client) => this.forward(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.path, () => resolve());
    });
    this.server = server;
  }

  async close(): Promise<void> {
    await this.cut();
    await rm(this.folder, { recursive: true, force: true });
  }

  private forward(client: Socket): void {
    this.connections += 1;
    const upstream = connect(this.target);
    const pair = [client, upstream] as const;
    this.pairs.add(pair);
    for (const socket of pair) {
      this.open.add(socket);
      // Either side failing or closing ends both, as a broken connection to a daemon would.
      socket.on('error', () => pair.forEach((each) => each.destroy()));
      socket.on('close', () => {
        this.open.delete(socket);
        this.pairs.delete(pair);
        pair.forEach((each) => each.destroy());
      });
    }
    if (!this.frozen) pipePair(pair);
  }
}

function pipePair([client, upstream]: readonly [Socket, Socket]): void {
  client.pipe(upstream);
  upstream.pipe(client);
}
