import { authHeaders, TES } from './api';

/** One event of GET /ga4gh/tes/v1/events: its name and its one line of JSON data. */
export interface TesEvent {
  readonly event: string;
  readonly data: {
    readonly id?: string;
    readonly time?: string;
    readonly taskId?: string;
    readonly state?: string;
    readonly executor?: number;
    readonly exitCode?: number;
    readonly memoryBytes?: number;
    readonly cpuPercent?: number;
    readonly elapsedSeconds?: number;
    readonly message?: string;
    readonly reason?: string;
    /** A `created` event's: what the task list shows and filters on (left out, with `partial`, when large). */
    readonly name?: string;
    readonly tags?: Readonly<Record<string, string>>;
    readonly creationTime?: string;
    readonly partial?: boolean;
  };
}

export type StreamStatus = 'connecting' | 'live' | 'retrying' | 'refused';

/**
 * Reads the server's event stream with fetch, so the token travels in the Authorization header (EventSource can only
 * put it in the URL, where logs and history keep it). Reconnects with Last-Event-ID after a drop, so nothing in the
 * server's ring is missed; a `gap` tells listeners to re-read what they show. A 401 stops it: retrying cannot help.
 */
export function followEvents(listener: (event: TesEvent) => void, status: (status: StreamStatus, detail?: string) => void, signal: AbortSignal): void {
  let lastId: string | undefined;
  const connect = async (): Promise<void> => {
    status('connecting');
    const response = await fetch(`${TES}/events`, { headers: { ...authHeaders(), accept: 'text/event-stream', ...(lastId === undefined ? {} : { 'last-event-id': lastId }) }, signal });
    if (response.status === 401) {
      status('refused', 'the server refused the token');
      return;
    }
    if (!response.ok || response.body === null) throw new Error(`the event stream answered ${response.status}`);
    status('live');
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = parseFrame(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (frame === undefined) continue;
        if (frame.id !== undefined) lastId = frame.id;
        listener(frame.event);
      }
    }
    throw new Error('the event stream ended');
  };
  const loop = async (): Promise<void> => {
    while (!signal.aborted) {
      try {
        await connect();
        return;
      } catch (error) {
        if (signal.aborted) return;
        status('retrying', error instanceof Error ? error.message : String(error));
        await new Promise((done) => setTimeout(done, 2000));
      }
    }
  };
  void loop();
}

/** A frame's `id`, `event` and `data` lines; comments (heartbeats) and frames without data are skipped. */
export function parseFrame(frame: string): { id?: string; event: TesEvent } | undefined {
  let id: string | undefined;
  let name = 'message';
  const data: string[] = [];
  for (const line of frame.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') id = value;
    else if (field === 'event') name = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return undefined;
  try {
    return { ...(id === undefined ? {} : { id }), event: { event: name, data: JSON.parse(data.join('\n')) as TesEvent['data'] } };
  } catch {
    return undefined;
  }
}
