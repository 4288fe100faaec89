import { type BackendEvent } from '@capstan/core-constraints';
import { openTaskFile } from '@capstan/task-files';
import { lstat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { StringDecoder } from 'node:string_decoder';

const CHUNK = 1024 * 1024;

/**
 * Follows a file that a job on some node appends to (its stdout or stderr, on the shared filesystem) and turns what
 * was added since the last read into `log` events. Reads never overlap; a multi-byte character split between two reads
 * is kept for the next one. The file itself stays the record: events are for watching.
 */
export class OutputTail {
  private offset = 0;
  private readonly decoder = new StringDecoder('utf8');
  private reading: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly stream: 'stdout' | 'stderr',
    private readonly emit: (event: BackendEvent) => void,
    /** How the file is opened safely (tests count the calls). */
    private readonly open: typeof openTaskFile = openTaskFile,
  ) {}

  /** Emits whatever was appended since the last call (queued after a read still in progress). */
  read(): Promise<void> {
    this.reading = this.reading.then(() => this.readNew()).catch(() => undefined);
    return this.reading;
  }

  /** Reads to the end and flushes a trailing partial character. */
  async finish(): Promise<void> {
    await this.read();
    const rest = this.decoder.end();
    if (rest !== '') this.emit({ type: 'log', stream: this.stream, text: rest });
  }

  private async readNew(): Promise<void> {
    // Most polls find nothing new. The safe open below costs about ten file-system calls; with thousands of running
    // jobs read every poll interval they were a large part of the process's CPU (docs/benchmarks.md, issue 15). One
    // lstat (it follows no link and never blocks on a FIFO) skips a regular file that has not grown; anything else
    // (grown, shrunk, a link or a FIFO put in its place) still goes through the safe open, which refuses what it must.
    const seen = await lstat(this.file).catch(() => undefined);
    if (seen === undefined || (seen.isFile() && seen.size === this.offset)) return;
    let handle;
    try {
      // The job (hostile code) can write its folder: no link out, no FIFO that would block this reader.
      handle = await this.open(dirname(this.file), basename(this.file));
    } catch {
      return; // not there yet (the job has not started), removed, or refused
    }
    try {
      const size = (await handle.stat()).size;
      if (size < this.offset) this.offset = 0; // truncated: start again
      const buffer = Buffer.alloc(Math.min(CHUNK, Math.max(0, size - this.offset)));
      while (this.offset < size) {
        const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, size - this.offset), this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        const text = this.decoder.write(buffer.subarray(0, bytesRead));
        if (text !== '') this.emit({ type: 'log', stream: this.stream, text });
      }
    } finally {
      await handle.close();
    }
  }
}
