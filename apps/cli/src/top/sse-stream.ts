/** One event of a Server-Sent Events stream: what top needs of it. */
export interface StreamEvent {
  readonly id?: string;
  readonly event: string;
  readonly data: string;
}

/** The most a stream may hold without a frame's end: a server that never ends one is not followed further. */
const MAX_PENDING = 1024 * 1024;

/**
 * Reads a `text/event-stream` body, frame by frame (a blank line ends one), and calls `onEvent` for each; comments
 * (heartbeats) are skipped. Resolves when the body ends; throws when a frame grows past 1 MiB.
 */
export async function readEventStream(body: ReadableStream<Uint8Array>, onEvent: (event: StreamEvent) => void): Promise<void> {
  const decoder = new TextDecoder();
  let pending = '';
  for await (const chunk of body) {
    pending += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, '\n');
    let end = pending.indexOf('\n\n');
    while (end >= 0) {
      const frame = parseFrame(pending.slice(0, end));
      pending = pending.slice(end + 2);
      if (frame !== undefined) onEvent(frame);
      end = pending.indexOf('\n\n');
    }
    if (pending.length > MAX_PENDING) throw new Error(`the event stream sent more than ${MAX_PENDING} bytes without ending an event`);
  }
}

function parseFrame(text: string): StreamEvent | undefined {
  let event = 'message';
  let id: string | undefined;
  const data: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id') id = value;
  }
  return data.length === 0 ? undefined : { event, data: data.join('\n'), ...(id === undefined ? {} : { id }) };
}
