import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished, pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { DockerStreamDemuxer, type OutputStreamName } from './stream-demuxer';

export interface OutputFiles {
  readonly stdoutFile: string;
  readonly stderrFile: string;
}

/** Called with each piece of output as text (UTF-8 sequences split across pieces are kept whole). */
export type OutputListener = (stream: OutputStreamName, text: string) => void;

/**
 * Streams a container's multiplexed output into two files (appended to, or replaced when `replace`) and to `onText`, never holding it whole in
 * memory: each payload is written before the next is read, so the daemon (and the container) wait for the disk.
 * Resolves when the stream has ended and both files are flushed and closed.
 */
export async function captureContainerOutput(source: NodeJS.ReadableStream, files: OutputFiles, onText: OutputListener, replace = false): Promise<void> {
  const flags = replace ? 'w' : 'a';
  const stdout = createWriteStream(files.stdoutFile, { flags });
  const stderr = createWriteStream(files.stderrFile, { flags });
  const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  const targets: Record<OutputStreamName, WriteStream> = { stdout, stderr };
  const demuxer = new DockerStreamDemuxer(async (stream, payload) => {
    const text = decoders[stream].write(payload);
    if (text !== '') onText(stream, text);
    if (!targets[stream].write(payload)) await once(targets[stream], 'drain');
  });
  try {
    await pipeline(source, demuxer);
    for (const stream of ['stdout', 'stderr'] as const) {
      const rest = decoders[stream].end();
      if (rest !== '') onText(stream, rest);
    }
  } finally {
    stdout.end();
    stderr.end();
    await Promise.all([finished(stdout), finished(stderr)]);
  }
}
