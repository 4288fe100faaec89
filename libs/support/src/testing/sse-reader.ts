import { type ClientRequest, type IncomingMessage, request } from 'node:http';

/** One Server-Sent Event as a client sees it; `data` is the joined data lines. */
export interface SseEvent {
  readonly id?: string;
  readonly event: string;
  readonly data: string;
}

/**
 * A Server-Sent Events client for specs, over fetch: keeps every event and comment line it read, and lets a spec wait
 * for the event it expects. Parses as the spec says (frames end at a blank line; `:` starts a comment).
 */
export class SseReader {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  /** Set once the server ended the stream (or the connection broke). */
  ended = false;
  private buffer = '';
  private waiters: Array<() => void> = [];

  private constructor(
    readonly status: number,
    private readonly request: ClientRequest,
  ) {}

  /**
   * Opens the stream on a connection of its own (node:http without an agent: fetch's pool may open spare connections
   * that hold a server's close up); a refusal (not 200) is returned with its JSON body in `refusal`.
   */
  static open(url: string, headers: Record<string, string> = {}): Promise<{ reader: SseReader; refusal?: unknown }> {
    return new Promise((resolve, reject) => {
      const outgoing = request(url, { agent: false, headers: { accept: 'text/event-stream', ...headers } }, (response: IncomingMessage) => {
        const reader = new SseReader(response.statusCode ?? 0, outgoing);
        if (reader.status !== 200) {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () => resolve({ reader, refusal: JSON.parse(body) as unknown }));
          return;
        }
        void reader.pump(response);
        resolve({ reader });
      });
      outgoing.on('error', reject);
      outgoing.end();
    });
  }

  /** The JSON data of each event of `type`, in order. */
  data<T = Record<string, unknown>>(type: string): T[] {
    return this.events.filter((event) => event.event === type).map((event) => JSON.parse(event.data) as T);
  }

  /** Waits until `probe` holds of what was read (checked again at every frame), or fails after `timeoutMs`. */
  async until(probe: (reader: SseReader) => boolean, timeoutMs = 30_000, what = 'the expected events'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!probe(this)) {
      if (this.ended) throw new Error(`the stream ended before ${what}; read: ${JSON.stringify(this.events.slice(-5))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${what} not read within ${timeoutMs} ms; read: ${JSON.stringify(this.events.slice(-5))}`);
      await new Promise<void>((wake) => {
        const timer = setTimeout(wake, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(timer);
          wake();
        });
      });
    }
  }

  close(): void {
    this.request.destroy();
  }

  private async pump(body: IncomingMessage): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of body) {
        this.buffer += decoder.decode(chunk as Buffer, { stream: true });
        this.parse();
      }
    } catch {
      // aborted by close(), or the connection broke: both end the stream
    }
    this.ended = true;
    this.wake();
  }

  private parse(): void {
    for (let end = this.buffer.indexOf('\n\n'); end !== -1; end = this.buffer.indexOf('\n\n')) {
      const lines = this.buffer.slice(0, end).split('\n');
      this.buffer = this.buffer.slice(end + 2);
      const fields: { id?: string; event: string; data: string[] } = { event: 'message', data: [] };
      for (const line of lines) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
        else if (line.startsWith('id: ')) fields.id = line.slice(4);
        else if (line.startsWith('event: ')) fields.event = line.slice(7);
        else if (line.startsWith('data: ')) fields.data.push(line.slice(6));
      }
      if (fields.data.length > 0) this.events.push({ ...(fields.id === undefined ? {} : { id: fields.id }), event: fields.event, data: fields.data.join('\n') });
    }
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }
}
