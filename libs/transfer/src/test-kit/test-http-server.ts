import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { TempFolders } from './temp-folders';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** Answers one request; `index` counts the requests the server has seen, from 0. */
export type TestHandler = (request: RecordedRequest, response: ServerResponse, index: number) => void;

/**
 * A real node:http server on 127.0.0.1 for the transfer tests. Each request body is read in full before the handler
 * runs, and every request is recorded. `close` drops open connections, so a stalled test response cannot hang jest.
 */
export class TestHttpServer {
  private constructor(
    private readonly server: Server,
    readonly requests: RecordedRequest[],
  ) {}

  /** `early(index)`: answer that request as soon as its headers are in, before its body (the body is recorded empty). */
  static async start(handler: TestHandler, early: (index: number) => boolean = () => false): Promise<TestHttpServer> {
    const requests: RecordedRequest[] = [];
    const server = createServer((request: IncomingMessage, response: ServerResponse) => {
      if (early(requests.length)) {
        const recorded = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: Buffer.alloc(0) };
        requests.push(recorded);
        handler(recorded, response, requests.length - 1);
        return;
      }
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const recorded = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks) };
        requests.push(recorded);
        handler(recorded, response, requests.length - 1);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new TestHttpServer(server, requests);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** `http://127.0.0.1:<port><path>`, with `user:password@` when given. */
  url(path: string, userInfo = ''): string {
    return `http://${userInfo === '' ? '' : `${userInfo}@`}127.0.0.1:${this.port}${path}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A port on 127.0.0.1 that nothing listens on (it was bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The servers a test file started, all closed by `closeAll` (call it in afterEach). */
export class TestServers {
  private readonly started: TestHttpServer[] = [];

  async start(handler: TestHandler, early?: (index: number) => boolean): Promise<TestHttpServer> {
    const server = await TestHttpServer.start(handler, early);
    this.started.push(server);
    return server;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.started.splice(0).map((server) => server.close()));
  }
}

/** A test file's http servers and temporary folders, both cleaned up after each test (even a failed one). */
export function httpTestBench(): {
  folders: TempFolders;
  serve: (handler: TestHandler, early?: (index: number) => boolean) => Promise<TestHttpServer>;
} {
  const folders = new TempFolders();
  const servers = new TestServers();
  afterEach(async () => {
    await servers.closeAll();
    await folders.removeAll();
  });
  return { folders, serve: (handler, early) => servers.start(handler, early) };
}
