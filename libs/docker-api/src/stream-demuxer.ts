import { Writable } from 'node:stream';

export type OutputStreamName = 'stdout' | 'stderr';

/** Where demultiplexed output goes. `write` may return a promise: the demuxer takes no more input until it settles. */
export type OutputSink = (stream: OutputStreamName, payload: Buffer) => void | Promise<void>;

const HEADER_LENGTH = 8;

/**
 * Splits the Docker API's multiplexed stream (a container without a TTY: frames of an 8-byte header — stream type,
 * three zero bytes, a big-endian 32-bit length — then the payload) into stdout and stderr. Backpressure is kept:
 * the next chunk is taken only after the sink has taken the current payload, so a slow file slows the container
 * instead of filling memory. Stdin frames (type 0) and unknown types are dropped.
 */
export class DockerStreamDemuxer extends Writable {
  private buffered: Buffer = Buffer.alloc(0);
  private frameType = -1;
  private frameRemaining = 0;

  constructor(private readonly sink: OutputSink) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.consume(chunk).then(() => callback(), callback);
  }

  private async consume(chunk: Buffer): Promise<void> {
    let data = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    this.buffered = Buffer.alloc(0);
    while (data.length > 0) {
      if (this.frameRemaining === 0) {
        if (data.length < HEADER_LENGTH) {
          this.buffered = data;
          return;
        }
        this.frameType = data.readUInt8(0);
        this.frameRemaining = data.readUInt32BE(4);
        data = data.subarray(HEADER_LENGTH);
        continue;
      }
      const take = Math.min(this.frameRemaining, data.length);
      const payload = data.subarray(0, take);
      data = data.subarray(take);
      this.frameRemaining -= take;
      if (this.frameType === 1) await this.sink('stdout', payload);
      else if (this.frameType === 2) await this.sink('stderr', payload);
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    callback(this.buffered.length === 0 ? null : new Error(`the output stream ended inside a frame header (${this.buffered.length} bytes left)`));
  }
}
