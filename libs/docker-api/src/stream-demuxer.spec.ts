import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DockerStreamDemuxer, type OutputStreamName } from './stream-demuxer';

function frame(type: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header.writeUInt8(type, 0);
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('DockerStreamDemuxer', () => {
  it('splits frames into stdout and stderr, whatever the chunking', async () => {
    const data = Buffer.concat([frame(1, 'out 1\n'), frame(2, 'err 1\n'), frame(1, 'out 2 é\n'), frame(0, 'stdin'), frame(2, '')]);
    for (const size of [1, 3, 7, 8, 9, data.length]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < data.length; i += size) chunks.push(data.subarray(i, i + size));
      const got: Record<OutputStreamName, Buffer[]> = { stdout: [], stderr: [] };
      await pipeline(Readable.from(chunks), new DockerStreamDemuxer((stream, payload) => void got[stream].push(Buffer.from(payload))));
      expect(Buffer.concat(got.stdout).toString()).toBe('out 1\nout 2 é\n');
      expect(Buffer.concat(got.stderr).toString()).toBe('err 1\n');
    }
  });

  it('takes no more input until the sink has taken a payload (backpressure)', async () => {
    let inSink = 0;
    let most = 0;
    const frames = Array.from({ length: 20 }, (_, i) => frame(1, `line ${i}\n`));
    await pipeline(
      Readable.from(frames),
      new DockerStreamDemuxer(async () => {
        inSink += 1;
        most = Math.max(most, inSink);
        await new Promise((resolve) => setTimeout(resolve, 2));
        inSink -= 1;
      }),
    );
    expect(most).toBe(1);
  });

  it('fails when the stream ends inside a header', async () => {
    await expect(pipeline(Readable.from([frame(1, 'x').subarray(0, 5)]), new DockerStreamDemuxer(() => undefined))).rejects.toThrow(/inside a frame header/);
  });
});
