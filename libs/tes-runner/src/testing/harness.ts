import { type BackendEvent, type ExecutionRequest, type ExecutionResult } from '@capstan/core-constraints';
import { TesBackend } from '../tes-backend';
import { type TesBackendOptionsInput } from '../tes-backend-options';
import { AttemptFixture } from './attempt-fixture';
import { FakeTesServer, type FakeTesServerOptions } from './fake-tes-server';

export interface Execution {
  readonly result: Promise<ExecutionResult>;
  readonly events: BackendEvent[];
  readonly cancel: AbortController;
  readonly stopNow: AbortController;
  /** Settles when the first event of this type arrives. */
  readonly first: (type: BackendEvent['type']) => Promise<BackendEvent>;
}

/**
 * One test's fake server, attempt folders and backends. `dispose` stops every execution still running (cancel and
 * stop now), waits for them and for every poll loop to end, then closes the server and removes the folders, so a
 * failing test leaves nothing behind.
 */
export class Harness {
  private readonly backends: TesBackend[] = [];
  private readonly executions: Execution[] = [];

  private constructor(
    readonly server: FakeTesServer,
    readonly fixture: AttemptFixture,
  ) {}

  static async start(options: FakeTesServerOptions = {}): Promise<Harness> {
    return new Harness(await FakeTesServer.start(options), await AttemptFixture.create());
  }

  /** A backend on the fake server with fast polls and retries. */
  backend(options: TesBackendOptionsInput = {}): TesBackend {
    const backend = new TesBackend({ url: this.server.url, pollIntervalMs: 10, retryDelayMs: 1, retryMaxDelayMs: 5, ...options });
    this.backends.push(backend);
    return backend;
  }

  request(runId = 'run-1', overrides: Partial<ExecutionRequest> = {}): Promise<ExecutionRequest> {
    return this.fixture.request(runId, overrides);
  }

  execute(backend: TesBackend, request: ExecutionRequest): Execution {
    const events: BackendEvent[] = [];
    const waiting: Array<{ type: BackendEvent['type']; resolve: (event: BackendEvent) => void }> = [];
    const cancel = new AbortController();
    const stopNow = new AbortController();
    const emit = (event: BackendEvent): void => {
      events.push(event);
      waiting.filter((entry) => entry.type === event.type).forEach((entry) => entry.resolve(event));
    };
    const result = backend.execute({ ...request, stopNow: stopNow.signal }, cancel.signal, emit);
    const first = (type: BackendEvent['type']): Promise<BackendEvent> => {
      const seen = events.find((event) => event.type === type);
      return seen !== undefined ? Promise.resolve(seen) : new Promise((resolve) => waiting.push({ type, resolve }));
    };
    const execution = { result, events, cancel, stopNow, first };
    this.executions.push(execution);
    return execution;
  }

  async dispose(): Promise<void> {
    for (const execution of this.executions) {
      execution.stopNow.abort();
      execution.cancel.abort();
    }
    await Promise.allSettled(this.executions.map((execution) => execution.result));
    await Promise.all(this.backends.map((backend) => backend.poller?.idle()));
    await this.server.close();
    await this.fixture.dispose();
  }
}
