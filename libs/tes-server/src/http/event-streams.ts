import { type FastifyReply, type FastifyRequest } from 'fastify';
import { type ServerResponse } from 'node:http';
import { type JournalEntry } from '../service/event-journal';
import { maySee, type Principal } from '../service/principal';
import { type TaskCreatedEvent } from '../service/task-created';
import { type TesEventFeed } from '../service/tes-service';
import { principalOf } from './bearer-auth-hook';
import { HttpErrorCode, TesHttpError } from './http-error-body';
import { type TesHttpOptions } from './tes-http-options';

export type EventStreamSettings = TesHttpOptions['events'];

/** How a Last-Event-ID looks (`<epoch>.<sequence>`); anything else is refused before it is parsed. */
const EVENT_ID = /^[0-9a-z]{1,16}\.[0-9]{1,16}$/;
/** How long a dropped or ended stream may take to flush its last event before its socket is destroyed. */
const LAST_WORDS_MS = 5_000;
/** The same at shutdown, shorter: the server's close waits for these sockets. */
const SHUTDOWN_GRACE_MS = 500;

/** One SSE frame. JSON escapes newlines, so a task's text (a system log line) cannot end the frame or forge another. */
function frame(type: string, data: unknown, id?: string): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

function entryFrame(entry: JournalEntry): string {
  const { type, ...fields } = entry.event;
  const body = 'sample' in fields ? { taskId: fields.taskId, executor: fields.executor, ...fields.sample } : 'owner' in fields ? createdData(fields) : fields;
  return frame(type, { id: entry.id, time: entry.time, ...body }, entry.id);
}

/** A creation's data: who owns the task is the server's business (it decides who sees the event), not the client's. */
function createdData({ owner: _owner, ...data }: Omit<TaskCreatedEvent, 'type'>): Omit<TaskCreatedEvent, 'type' | 'owner'> {
  return data;
}

/**
 * The open event streams: each a hijacked response written as Server-Sent Events, showing its principal only the
 * events of tasks it may see (the rule of GetTask and ListTasks). Bounded three ways: streams in all and per principal
 * (429 beyond), and bytes waiting per stream (a client that reads slower than events come is dropped, with a last
 * event saying why, rather than buffered without end).
 */
export class EventStreams {
  private readonly open = new Set<{ readonly principal: string; end(type: string, reason: string): void }>();
  private readonly perPrincipal = new Map<string, number>();
  /** Streams dropped for a slow client since the server started (a /metrics counter). */
  dropped = 0;

  constructor(
    private readonly feed: TesEventFeed,
    private readonly settings: EventStreamSettings,
  ) {}

  get count(): number {
    return this.open.size;
  }

  /** Answers GET /events: refuses (429, 400) before anything is written, else streams until the client or server ends. */
  handle(request: FastifyRequest, reply: FastifyReply): void {
    const principal = principalOf(request);
    const lastId = this.lastEventId(request);
    this.checkLimits(principal);
    void reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' });
    this.stream(principal, lastId, raw);
  }

  /** Ends every stream with a last `shutdown` event (the server is closing: fastify waits for open responses). */
  closeAll(reason: string): void {
    for (const stream of [...this.open]) stream.end('shutdown', reason);
  }

  private stream(principal: Principal, lastId: string | undefined, raw: ServerResponse): void {
    let ended = false;
    const socket = raw.socket;
    const write = (text: string): void => {
      if (ended) return;
      raw.write(text);
      if (raw.writableLength > this.settings.maxPendingBytes) {
        this.dropped += 1;
        stream.end(
          'dropped',
          `the client read too slowly: ${raw.writableLength} bytes were waiting, more than the ${this.settings.maxPendingBytes} allowed (api.events.maxPendingBytes); read the stream as it comes, then reconnect with Last-Event-ID`,
        );
      }
    };
    const send = (entry: JournalEntry): void => {
      if (maySee(principal, entry.owner ?? '')) write(entryFrame(entry));
    };
    const stream = {
      principal: principal.name,
      end: (type: string, reason: string): void => {
        if (ended) return;
        raw.write(frame(type, { reason }));
        ended = true;
        cleanUp();
        // The connection goes with the stream: a FIN once the last bytes are out (a keep-alive socket would linger
        // and hold the server's close up), and the socket destroyed after a grace if the client never takes them.
        raw.end();
        socket?.end();
        setTimeout(() => socket?.destroy(), type === 'shutdown' ? SHUTDOWN_GRACE_MS : LAST_WORDS_MS).unref();
      },
    };
    // Resumption and subscription in one synchronous step: no event can fall between them.
    const { entries, gap } = this.feed.after(lastId);
    const unsubscribe = this.feed.subscribe(send);
    const heartbeat = setInterval(() => write(`: heartbeat ${new Date().toISOString()}\n\n`), this.settings.heartbeatSeconds * 1000);
    heartbeat.unref();
    this.open.add(stream);
    this.perPrincipal.set(principal.name, (this.perPrincipal.get(principal.name) ?? 0) + 1);
    const cleanUp = (): void => {
      if (!this.open.delete(stream)) return;
      ended = true;
      unsubscribe();
      clearInterval(heartbeat);
      const left = (this.perPrincipal.get(principal.name) ?? 1) - 1;
      if (left === 0) this.perPrincipal.delete(principal.name);
      else this.perPrincipal.set(principal.name, left);
    };
    raw.on('close', cleanUp);
    // The HTTP server keeps a half-closed socket open for the answer: a client that hung up (FIN) is gone for good.
    socket?.once('end', () => {
      cleanUp();
      socket.destroy();
    });
    write(`retry: 2000\n: capstan events for ${principal.name}\n\n`);
    if (gap !== undefined) write(frame('gap', gap));
    for (const entry of entries) send(entry);
  }

  private lastEventId(request: FastifyRequest): string | undefined {
    const header = request.headers['last-event-id'];
    const query = (request.query as Record<string, unknown>)['last_event_id'];
    const value = typeof header === 'string' ? header : typeof query === 'string' ? query : undefined;
    if (value === undefined || value === '') return undefined;
    if (!EVENT_ID.test(value)) {
      throw new TesHttpError(
        HttpErrorCode.BadRequest,
        `Last-Event-ID is ${JSON.stringify(value.slice(0, 80))}, not an id this server sends (<epoch>.<number>); send back the id of the last event received, or none to start from now`,
        'last_event_id',
      );
    }
    return value;
  }

  private checkLimits(principal: Principal): void {
    const { maxStreams, maxStreamsPerPrincipal } = this.settings;
    const mine = this.perPrincipal.get(principal.name) ?? 0;
    if (mine >= maxStreamsPerPrincipal) {
      throw new TesHttpError(
        HttpErrorCode.TooManyStreams,
        `principal ${JSON.stringify(principal.name)} has ${mine} event streams open, the most allowed per principal (api.events.maxStreamsPerPrincipal: ${maxStreamsPerPrincipal}); close one (one stream shows all your tasks), or ask the operator to raise the limit`,
      );
    }
    if (this.open.size >= maxStreams) {
      throw new TesHttpError(
        HttpErrorCode.TooManyStreams,
        `the server has ${this.open.size} event streams open, the most it allows (api.events.maxStreams: ${maxStreams}); try again later, or ask the operator to raise the limit`,
      );
    }
  }
}
