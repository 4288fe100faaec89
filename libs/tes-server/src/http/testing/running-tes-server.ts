import { type AddressInfo } from 'node:net';
import { createTesHttpServer, type TesHttpServer } from '../create-tes-http-server';
import { type LogSink, type TesHttpOptionsInput } from '../tes-http-options';
import { FakeTesService } from './fake-tes-service';

export const TEST_TOKEN = 'test-token-5f0c2a9e8b7d4c31a6e0';
export const OTHER_TOKEN = 'other-token-93b1d7c4e2a04f6b8d15';

/** A log sink that keeps the lines written to it, and lets a spec wait for a line (written after the answer went out). */
export class CollectedLog implements LogSink {
  text = '';
  private readonly waiters: Array<{ matches: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void }> = [];

  write(line: string): boolean {
    this.text += line;
    const parsed = JSON.parse(line) as Record<string, unknown>;
    for (const waiter of [...this.waiters]) {
      if (!waiter.matches(parsed)) continue;
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve(parsed);
    }
    return true;
  }

  lines(): Array<Record<string, unknown>> {
    return this.text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** The first line (already written or to come) that `matches`. */
  waitFor(matches: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    const found = this.lines().find(matches);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve) => this.waiters.push({ matches, resolve }));
  }
}

export interface RunningTesServer {
  readonly app: TesHttpServer;
  readonly service: FakeTesService;
  readonly log: CollectedLog;
  readonly base: string;
  /** fetch against the server, with the test token unless `headers` says otherwise. */
  call(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/** A real server on 127.0.0.1, on a free port, over a fake service; close it in afterEach. */
export async function startTesServer(options: Partial<TesHttpOptionsInput> = {}, service = new FakeTesService()): Promise<RunningTesServer> {
  const log = new CollectedLog();
  const app = createTesHttpServer(service, { host: '127.0.0.1', auth: { tokens: [TEST_TOKEN, OTHER_TOKEN] }, logStream: log, ...options });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return {
    app,
    service,
    log,
    base,
    call: (path, init = {}) => fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${TEST_TOKEN}`, ...(init.headers as Record<string, string> | undefined) } }),
    close: () => app.close(),
  };
}
