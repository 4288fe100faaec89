import { type TaskCreatedEvent } from './task-created';
import { type TesServiceEvent } from './task-records';

/**
 * The kinds of events a client may follow live: its tasks' creations and the service events of them (transfers and
 * reconciliations stay in the server's log).
 */
export type TesStreamEvent = TaskCreatedEvent | Extract<TesServiceEvent, { readonly type: 'state' | 'executor-started' | 'executor-ended' | 'usage' | 'system-log' }>;

const STREAMED: ReadonlySet<TesStreamEvent['type']> = new Set(['created', 'state', 'executor-started', 'executor-ended', 'usage', 'system-log']);

export interface JournalEntry {
  /** `<epoch>.<sequence>`: the SSE id a client sends back as Last-Event-ID. */
  readonly id: string;
  readonly sequence: number;
  /** The principal owning the event's task when it happened (undefined: a task stored before owners were). */
  readonly owner: string | undefined;
  readonly time: string;
  readonly event: TesStreamEvent;
}

/** Where a client resumes: the entries after its last id, and how many it can no longer get. */
export interface Resumption {
  readonly entries: readonly JournalEntry[];
  /** Why some events are lost (the id is older than the buffer, or from an earlier server process), if any are. */
  readonly gap?: { readonly reason: string; readonly missed?: number };
}

/** Default number of events the journal keeps for clients that reconnect (`api.events.bufferSize`). */
export const DEFAULT_EVENT_BUFFER_SIZE = 10_000;

/**
 * The last `capacity` streamable events of the service, numbered, with their task's owner, in a ring: constant
 * memory however long the server runs. The epoch (this process's start) makes ids of an earlier process recognizable,
 * so that a client reconnecting after a restart is told what it missed instead of resuming at a wrong place.
 */
export class EventJournal {
  readonly epoch = Date.now().toString(36);
  private readonly ring: Array<JournalEntry | undefined>;
  private next = 1;
  private readonly listeners = new Set<(entry: JournalEntry) => void>();

  constructor(
    private readonly capacity: number,
    private readonly ownerOf: (taskId: string) => string | undefined,
  ) {
    this.ring = new Array<JournalEntry | undefined>(capacity);
  }

  /** Numbers and keeps a streamable event and hands it to the listeners; other events are ignored. */
  append(event: TesServiceEvent | TaskCreatedEvent): void {
    if (!STREAMED.has(event.type as TesStreamEvent['type'])) return;
    const sequence = this.next;
    this.next += 1;
    const entry: JournalEntry = { id: `${this.epoch}.${sequence}`, sequence, owner: event.type === 'created' ? event.owner : this.ownerOf(event.taskId), time: new Date().toISOString(), event: event as TesStreamEvent };
    this.ring[sequence % this.capacity] = entry;
    for (const listener of this.listeners) listener(entry);
  }

  subscribe(listener: (entry: JournalEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The entries after `lastId` (a Last-Event-ID), or none and no gap when it is undefined (a fresh stream). */
  after(lastId: string | undefined): Resumption {
    if (lastId === undefined) return { entries: [] };
    const [epoch, text] = lastId.split('.');
    const last = Number(text);
    if (epoch !== this.epoch) return { entries: [], gap: { reason: 'the id is from an earlier server process (it restarted); read the tasks again with GetTask or ListTasks' } };
    if (!Number.isSafeInteger(last) || last < 0 || last >= this.next) return { entries: [], gap: { reason: 'the id was never sent by this server; read the tasks again with GetTask or ListTasks' } };
    const oldest = Math.max(1, this.next - this.capacity);
    const entries: JournalEntry[] = [];
    for (let sequence = Math.max(last + 1, oldest); sequence < this.next; sequence += 1) {
      const entry = this.ring[sequence % this.capacity];
      if (entry !== undefined) entries.push(entry);
    }
    const missed = oldest - (last + 1);
    if (missed <= 0) return { entries };
    return { entries, gap: { reason: `${missed} events after this id are older than the server keeps (the last ${this.capacity}); read the tasks again with GetTask or ListTasks`, missed } };
  }
}
