import { isCapstanError } from '@capstan/core-constraints';
import {
  acceptCreateTask,
  createStoredTask,
  formatRfc3339,
  parseListQuery,
  parseView,
  type QueryParameters,
  selectTaskPage,
  stateOnCancel,
  type StoredTesTask,
  taskView,
  TES_SPEC_VERSION,
  type TesState,
} from '@capstan/tes-model';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * A small TES v1.1 server for the backend's behaviour tests, on 127.0.0.1, built on tes-model (the same validation,
 * views, tag filters and paging the real api uses). It runs nothing: the test moves tasks through their states. It
 * records every request, so tests can count list calls, and can be told to fail the next requests of a kind.
 */
export type RouteKind = 'service-info' | 'list' | 'get' | 'create' | 'cancel' | 'other';

export interface RecordedRequest {
  readonly kind: RouteKind;
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly authorization: string | undefined;
  readonly body: unknown;
}

/** An answer forced on the next request of a kind: a status and body, or `reset` (the connection is cut). */
export type InjectedAnswer =
  | { readonly status: number; readonly body?: unknown; readonly headers?: Readonly<Record<string, string>>; /** For create: make the task anyway. */ readonly afterCreate?: boolean }
  | 'reset';

export interface FakeTesServerOptions {
  readonly bearerToken?: string;
  readonly basic?: { readonly username: string; readonly password: string };
  /** service-info answers without credentials (as many servers do). */
  readonly publicServiceInfo?: boolean;
  /** service-info's description (a Capstan server is known by its own). */
  readonly description?: string;
  /** A cancel sets CANCELING; with true (default) the next list call finds it CANCELED, with false it stays CANCELING. */
  readonly cancelCompletes?: boolean;
}

export interface FinishOptions {
  readonly state: TesState;
  readonly exitCode?: number;
  readonly stdout?: string;
  readonly stderr?: string;
  readonly systemLogs?: readonly string[];
  /** Write stdout/stderr to the task's file:// outputs, as a server sharing the filesystem would (default true). */
  readonly deliver?: boolean;
  /** The task log's metadata. */
  readonly metadata?: Readonly<Record<string, string>>;
}

const BASE_PATH = '/ga4gh/tes/v1';

export class FakeTesServer {
  readonly requests: RecordedRequest[] = [];
  readonly tasks = new Map<string, StoredTesTask>();
  /** Called after each answered list request (the test's chance to move tasks on). */
  onList: ((request: RecordedRequest) => void) | undefined;
  /** Called after a task was created. */
  onCreate: ((task: StoredTesTask) => void) | undefined;
  private readonly injected = new Map<RouteKind, InjectedAnswer[]>();

  private constructor(
    private readonly server: Server,
    private readonly options: FakeTesServerOptions,
  ) {}

  static async start(options: FakeTesServerOptions = {}): Promise<FakeTesServer> {
    const server = createServer();
    const fake = new FakeTesServer(server, options);
    server.on('request', (request, response) => void fake.handle(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${BASE_PATH}`;
  }

  count(kind: RouteKind): number {
    return this.requests.filter((request) => request.kind === kind).length;
  }

  /** The next requests of `kind` get these answers, in order. */
  inject(kind: RouteKind, ...answers: InjectedAnswer[]): void {
    this.injected.set(kind, [...(this.injected.get(kind) ?? []), ...answers]);
  }

  task(id: string): StoredTesTask {
    const task = this.tasks.get(id);
    if (task === undefined) throw new Error(`the fake TES server has no task ${id}`);
    return task;
  }

  setState(id: string, state: TesState): void {
    this.task(id).state = state;
  }

  /** Ends a task the way a server would: a state, a task log with one executor log, the streams delivered. */
  finish(id: string, options: FinishOptions): void {
    const task = this.task(id);
    const now = formatRfc3339(new Date());
    const executorLogs = options.exitCode === undefined ? [] : [{ exit_code: options.exitCode, start_time: now, end_time: now, stdout: options.stdout ?? '', stderr: options.stderr ?? '' }];
    task.logs = [{ logs: executorLogs, outputs: [], start_time: now, end_time: now, ...(options.systemLogs === undefined ? {} : { system_logs: [...options.systemLogs] }), ...(options.metadata === undefined ? {} : { metadata: { ...options.metadata } }) }];
    if (options.deliver !== false) {
      const executor = task.executors[0];
      for (const output of task.outputs) {
        const text = output.path === executor?.stdout ? options.stdout : output.path === executor?.stderr ? options.stderr : undefined;
        if (text !== undefined && output.url.startsWith('file://')) writeFileSync(fileURLToPath(output.url), text);
      }
    }
    task.state = options.state;
  }

  /**
   * Moves tasks on at each list call, as a server would between two polls: QUEUED to RUNNING, then RUNNING to what
   * `outcome` says (nothing when it returns undefined: the task keeps running).
   */
  drive(outcome: (task: StoredTesTask) => FinishOptions | undefined): void {
    this.onList = () => {
      for (const task of [...this.tasks.values()]) {
        if (task.state === 'QUEUED') task.state = 'RUNNING';
        else if (task.state === 'RUNNING') {
          const end = outcome(task);
          if (end !== undefined) this.finish(task.id, end);
        }
      }
    };
  }

  /** The server loses the task: it answers 404 for it from now on. */
  forget(id: string): void {
    this.tasks.delete(id);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname.startsWith(BASE_PATH) ? url.pathname.slice(BASE_PATH.length) : url.pathname;
    const kind = routeKind(request.method ?? 'GET', path);
    const text = await readBody(request);
    const record: RecordedRequest = { kind, method: request.method ?? 'GET', path, query: url.searchParams, authorization: request.headers.authorization, body: text === '' ? undefined : safeJson(text) };
    this.requests.push(record);
    if (!(kind === 'service-info' && this.options.publicServiceInfo === true) && !this.authorized(request.headers.authorization)) {
      return send(response, 401, { code: 'http.unauthorized', message: 'no valid credentials were sent', path: null, status: 401 });
    }
    const injected = this.injected.get(kind)?.shift();
    if (injected === 'reset') {
      request.socket.destroy();
      return;
    }
    if (injected !== undefined && !(kind === 'create' && injected.afterCreate === true)) return send(response, injected.status, injected.body ?? {}, injected.headers);
    try {
      const [status, body] = this.answer(kind, path, url.searchParams, record.body);
      if (injected !== undefined) return send(response, injected.status, injected.body ?? {}, injected.headers);
      send(response, status, body);
      if (kind === 'list') this.onList?.(record);
    } catch (error) {
      if (!isCapstanError(error)) throw error;
      const status = error.code === 'tes.task_not_found' ? 404 : 400;
      send(response, status, { ...error.toJSON(), status });
    }
  }

  private answer(kind: RouteKind, path: string, query: URLSearchParams, body: unknown): [number, unknown] {
    switch (kind) {
      case 'service-info':
        return [200, { id: 'org.example.fake-tes', name: 'Fake TES', type: { group: 'org.ga4gh', artifact: 'tes', version: TES_SPEC_VERSION }, organization: { name: 'Capstan tests', url: 'https://example.org' }, version: '0.0.1', ...(this.options.description === undefined ? {} : { description: this.options.description }) }];
      case 'create': {
        const accepted = acceptCreateTask(body, { supportedBackendParameters: [] });
        const task = createStoredTask(accepted.task);
        this.tasks.set(task.id, task);
        this.onCreate?.(task);
        return [200, { id: task.id }];
      }
      case 'list': {
        if (this.options.cancelCompletes !== false) for (const task of this.tasks.values()) if (task.state === 'CANCELING') task.state = 'CANCELED';
        const parsed = parseListQuery(parameters(query));
        const page = selectTaskPage(this.tasks.values(), parsed);
        return [200, { tasks: page.tasks.map((task) => taskView(task, parsed.view)), ...(page.nextPageToken === undefined ? {} : { next_page_token: page.nextPageToken }) }];
      }
      case 'get': {
        const task = this.tasks.get(decodeURIComponent(path.slice('/tasks/'.length)));
        if (task === undefined) return [404, { code: 'tes.task_not_found', message: 'no such task', path: null, status: 404 }];
        return [200, taskView(task, parseView(query.get('view') ?? undefined))];
      }
      case 'cancel': {
        const task = this.tasks.get(decodeURIComponent(path.slice('/tasks/'.length, -':cancel'.length)));
        if (task === undefined) return [404, { code: 'tes.task_not_found', message: 'no such task', path: null, status: 404 }];
        task.state = stateOnCancel(task.state) ?? task.state;
        return [200, {}];
      }
      default:
        return [404, { code: 'http.route_not_found', message: `no route for ${path}`, path: null, status: 404 }];
    }
  }

  private authorized(header: string | undefined): boolean {
    if (this.options.bearerToken !== undefined) return header === `Bearer ${this.options.bearerToken}`;
    if (this.options.basic !== undefined) return header === `Basic ${Buffer.from(`${this.options.basic.username}:${this.options.basic.password}`).toString('base64')}`;
    return true;
  }
}

function routeKind(method: string, path: string): RouteKind {
  if (method === 'GET' && path === '/service-info') return 'service-info';
  if (path === '/tasks') return method === 'POST' ? 'create' : 'list';
  if (method === 'POST' && /^\/tasks\/[^/]+:cancel$/.test(path)) return 'cancel';
  if (method === 'GET' && /^\/tasks\/[^/]+$/.test(path)) return 'get';
  return 'other';
}

function parameters(query: URLSearchParams): QueryParameters {
  const result: Record<string, string | string[]> = {};
  for (const key of new Set(query.keys())) {
    const values = query.getAll(key);
    result[key] = values.length === 1 ? (values[0] as string) : values;
  }
  return result;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function send(response: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}
