import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { isFinal, type TesState, type TesTaskInView, tesListTasksResponseSchema, tesTaskInViewSchema, usageFromMetadata } from '@capstan/tes-model';
import { setTimeout as sleep } from 'node:timers/promises';
import { readEventStream, type StreamEvent } from './sse-stream';
import { lastLine, tailLines } from './terminal-text';
import { type Page, PAGE_SIZE, TaskPages } from './task-pages';
import { describe, type TopSource } from './top-source';
import { type Paging, type StateGroup, type TopTask } from './top-view';

const API_PATH = '/ga4gh/tes/v1';
const REQUEST_TIMEOUT_MS = 5_000;
/** A task's last output line as kept for its row: a row shows less, and 5,000 rows stay small. */
const LAST_LINE_MAX = 512;

const GROUPS: Readonly<Record<TesState, StateGroup>> = {
  UNKNOWN: 'queued',
  QUEUED: 'queued',
  INITIALIZING: 'queued',
  RUNNING: 'running',
  PAUSED: 'running',
  COMPLETE: 'succeeded',
  EXECUTOR_ERROR: 'failed',
  SYSTEM_ERROR: 'failed',
  PREEMPTED: 'failed',
  CANCELING: 'canceled',
  CANCELED: 'canceled',
};

/** The TES API base of `--server`: a server's root or its API base, http(s), with no credentials in it. */
export function apiBase(server: string): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new CapstanError(ErrorCode.Usage, `--server ${JSON.stringify(server.slice(0, 200))} is not a URL; give the server's address, e.g. http://127.0.0.1:8000`, { details: { value: server } });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CapstanError(ErrorCode.Usage, `--server must be an http:// or https:// URL, not ${url.protocol}; e.g. http://127.0.0.1:8000`, { details: { value: url.protocol } });
  }
  if (url.username !== '' || url.password !== '') {
    throw new CapstanError(ErrorCode.Usage, '--server must not hold credentials (they would show in ps and in top\'s header); give the token with --token-file', { details: { value: 'user:password@' } });
  }
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.origin}${path.endsWith(API_PATH) ? path : `${path}${API_PATH}`}`;
}

/**
 * A `capstan serve`: ListTasks (FULL, for the output tails) every `intervalMs` and at start for the newest page, the
 * next pages when asked (TaskPages), its event stream for states and usage as they happen, GetTask for a log,
 * CancelTask to cancel. A server that stops answering is a `problem`, retried, never a crash.
 */
export class ServerSource implements TopSource {
  readonly label: string;
  private readonly pages = new TaskPages((token) => this.listPage(token));
  private readonly samples = new Map<string, { cpuPercent?: number; memoryBytes?: number }>();
  private listProblem: string | undefined;
  private streamProblem: string | undefined;
  private lastEventId: string | undefined;
  private readonly stopping = new AbortController();
  private changed: () => void = () => undefined;
  private loops: Promise<unknown>[] = [];

  constructor(
    private readonly base: string,
    private readonly token: string | undefined,
    private readonly intervalMs = 2_000,
  ) {
    this.label = `server ${base}`;
  }

  start(changed: () => void): void {
    this.changed = changed;
    this.loops = [this.pollLoop(), this.streamLoop()];
  }

  snapshot(): { tasks: readonly TopTask[]; problem?: string; paging: Paging } {
    const problem = this.listProblem ?? this.streamProblem;
    const tasks = this.pages.tasks().map((task) => (task.group === 'running' ? { ...task, ...this.samples.get(task.key) } : task));
    return { tasks, ...(problem === undefined ? {} : { problem }), paging: this.pages.paging() };
  }

  more(wanted: (task: TopTask) => boolean): Promise<void> {
    return this.pages.more(wanted);
  }

  rewind(): void {
    this.pages.rewind();
  }

  async logTail(key: string, lines: number): Promise<string[]> {
    const task = tesTaskInViewSchema.parse(await this.request(`/tasks/${encodeURIComponent(key)}?view=FULL`));
    const log = task.logs?.at(-1);
    const text = (log?.logs ?? []).flatMap((executor, index) => [
      ...((log?.logs.length ?? 0) > 1 ? [`-- executor ${index}`] : []),
      ...tailLines(executor.stdout ?? '', lines),
      ...tailLines(executor.stderr ?? '', lines).map((line) => `stderr: ${line}`),
    ]);
    return [...text, ...(log?.system_logs ?? []).map((line) => `system: ${line}`)].slice(-lines);
  }

  async cancel(key: string): Promise<string> {
    const name = this.pages.get(key)?.name ?? key;
    await this.request(`/tasks/${encodeURIComponent(key)}:cancel`, 'POST');
    void this.refresh().catch(() => undefined);
    return `cancel sent for task ${name}: the server ends it`;
  }

  async close(): Promise<void> {
    this.stopping.abort();
    await Promise.allSettled(this.loops);
  }

  private async request(path: string, method = 'GET'): Promise<unknown> {
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers: { accept: 'application/json', ...(this.token === undefined ? {} : { authorization: `Bearer ${this.token}`}) , ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
      ...(method === 'POST' ? { body: '{}' } : {}),
      redirect: 'error',
      signal: AbortSignal.any([this.stopping.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
    });
    const text = await response.text();
    if (!response.ok) {
      const message = (() => {
        try {
          return (JSON.parse(text) as { message?: unknown }).message;
        } catch {
          return undefined;
        }
      })();
      throw new Error(`${response.status} ${typeof message === 'string' ? message.slice(0, 300) : response.statusText}`);
    }
    return JSON.parse(text) as unknown;
  }

  private refresh(): Promise<void> {
    return this.pages.refreshHead();
  }

  private async listPage(token: string | undefined): Promise<Page> {
    const query = `view=FULL&page_size=${PAGE_SIZE}${token === undefined ? '' : `&page_token=${encodeURIComponent(token)}`}`;
    const page = tesListTasksResponseSchema.parse(await this.request(`/tasks?${query}`));
    const next = page.next_page_token === undefined || page.next_page_token === '' ? {} : { next: page.next_page_token };
    // A server that ignores page_size does not get to fill top's memory with one answer.
    return { tasks: page.tasks.slice(0, PAGE_SIZE).filter((task) => task.id !== undefined).map(toTopTask), ...next };
  }

  private async pollLoop(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      try {
        await this.refresh();
        this.listProblem = undefined;
      } catch (error) {
        if (this.stopping.signal.aborted) return;
        this.listProblem = `the server at ${this.base} does not answer (${describe(error)}); retrying every ${this.intervalMs / 1000} s, q quits`;
      }
      this.changed();
      await sleep(this.intervalMs, undefined, { signal: this.stopping.signal }).catch(() => undefined);
    }
  }

  private async streamLoop(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      try {
        const response = await fetch(`${this.base}/events`, {
          headers: { accept: 'text/event-stream', ...(this.token === undefined ? {} : { authorization: `Bearer ${this.token}` }), ...(this.lastEventId === undefined ? {} : { 'last-event-id': this.lastEventId }) },
          redirect: 'error',
          signal: this.stopping.signal,
        });
        if (!response.ok || response.body === null) throw new Error(`${response.status} ${response.statusText}`);
        this.streamProblem = undefined;
        await readEventStream(response.body, (event) => this.onEvent(event));
        this.streamProblem ??= 'the server ended its event stream; reconnecting';
      } catch (error) {
        if (this.stopping.signal.aborted) return;
        this.streamProblem = `no live events from ${this.base} (${describe(error)}); reconnecting`;
      }
      this.changed();
      await sleep(this.intervalMs, undefined, { signal: this.stopping.signal }).catch(() => undefined);
    }
  }

  private onEvent(event: StreamEvent): void {
    if (event.id !== undefined) this.lastEventId = event.id;
    let data: { taskId?: unknown; state?: unknown; cpuPercent?: unknown; memoryBytes?: unknown; reason?: unknown };
    try {
      data = JSON.parse(event.data) as typeof data;
    } catch {
      return;
    }
    const id = typeof data.taskId === 'string' ? data.taskId : undefined;
    const known = id === undefined ? undefined : this.pages.get(id);
    if (event.event === 'state' && id !== undefined && typeof data.state === 'string' && Object.hasOwn(GROUPS, data.state)) {
      const state = data.state as TesState;
      if (known !== undefined) this.pages.set({ ...known, state, group: GROUPS[state], ...(state === 'RUNNING' && known.group !== 'running' ? { since: Date.now() } : {}), ...(isFinal(state) ? { endedAt: Date.now() } : {}) });
      // A new task is in the newest page; one further down that is not loaded stays so (no list read per event).
      else if (state === 'QUEUED' || state === 'UNKNOWN') void this.refresh().then(() => this.changed(), () => undefined);
    } else if (event.event === 'usage' && id !== undefined && known !== undefined) {
      // Only loaded tasks' readings: a busy server's others would grow this map without end.
      this.samples.set(id, { ...(finite(data.cpuPercent) ? { cpuPercent: data.cpuPercent } : {}), ...(finite(data.memoryBytes) ? { memoryBytes: data.memoryBytes } : {}) });
    } else if (event.event === 'shutdown') {
      this.streamProblem = `the server is shutting down (${typeof data.reason === 'string' ? data.reason.slice(0, 200) : 'no reason given'})`;
    }
    this.changed();
  }
}

function finite(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function time(text: string | undefined): number | undefined {
  const value = text === undefined ? Number.NaN : Date.parse(text);
  return Number.isNaN(value) ? undefined : value;
}

function toTopTask(task: TesTaskInView): TopTask {
  const log = task.logs?.at(-1);
  const executor = log?.logs.at(-1);
  const since = time(log?.logs[0]?.start_time) ?? time(log?.start_time) ?? time(task.creation_time);
  const endedAt = isFinal(task.state) ? (time(log?.end_time) ?? time(executor?.end_time)) : undefined;
  const usage = isFinal(task.state) ? usageFromMetadata(log?.metadata) : undefined;
  const output = lastLine(executor?.stdout) ?? lastLine(executor?.stderr);
  return {
    key: task.id as string,
    name: task.name ?? task.id ?? '',
    state: task.state,
    group: GROUPS[task.state],
    ...(since === undefined ? {} : { since }),
    ...(endedAt === undefined ? {} : { endedAt }),
    ...(usage?.cpuPercentMean === undefined ? {} : { cpuPercent: usage.cpuPercentMean }),
    ...(usage?.peakMemoryBytes === undefined ? {} : { memoryBytes: usage.peakMemoryBytes }),
    ...(output === undefined ? {} : { lastLine: output.slice(0, LAST_LINE_MAX) }),
  };
}
