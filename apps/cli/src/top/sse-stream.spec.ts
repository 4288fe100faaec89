import { readEventStream, type StreamEvent } from './sse-stream';

function body(...chunks: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      chunks.forEach((chunk) => controller.enqueue(new TextEncoder().encode(chunk)));
      controller.close();
    },
  });
}

describe('readEventStream', () => {
  it('reads frames split anywhere across chunks, with ids, skipping comments and heartbeats', async () => {
    const events: StreamEvent[] = [];
    await readEventStream(body('retry: 2000\n: capstan events\n\nid: e.1\nevent: st', 'ate\ndata: {"state":"RUNNING"}\r\n\r\n: heartbeat\n\ndata: a\ndata: b\n\n'), (event) => events.push(event));
    expect(events).toEqual([
      { id: 'e.1', event: 'state', data: '{"state":"RUNNING"}' },
      { event: 'message', data: 'a\nb' },
    ]);
  });

  it('hostile: a server that never ends a frame is not buffered past 1 MiB', async () => {
    await expect(readEventStream(body(`data: ${'x'.repeat(1024 * 1024 + 10)}`), () => undefined)).rejects.toThrow(/more than 1048576 bytes/);
  });
});
