import { openTaskFile } from '@capstan/task-files';
import { readdir } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export type LogStream = 'stdout' | 'stderr';

const CHUNK = 1 << 20;
/** How often a followed task's files and record are looked at; the follow ends when the task does, not after this. */
const POLL_MS = 200;

/** The attempt numbers a task folder holds, ascending (names only: nothing in them is opened here). */
export async function attemptsOf(taskFolder: string): Promise<number[]> {
  const names = await readdir(`${taskFolder}/attempts`).catch(() => [] as string[]);
  return names.filter((name) => /^[1-9][0-9]{0,4}$/.test(name)).map(Number).sort((a, b) => a - b);
}

/**
 * Prints what a task's stdout or stderr file gained since the last call. Each read opens the file afresh through
 * task-files, so a task that swaps its file for a link out of its folder, a FIFO or a device gets a typed refusal:
 * nothing is followed, opened or blocked on. A file not written yet is empty.
 */
export class FileTail {
  private offset = 0;
  private readonly decoder = new TextDecoder('utf-8');

  constructor(
    private readonly taskFolder: string,
    readonly relative: string,
    private readonly write: (text: string) => void,
  ) {}

  async pump(): Promise<void> {
    let handle;
    try {
      handle = await openTaskFile(this.taskFolder, this.relative);
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ENOENT') return;
      throw error;
    }
    try {
      const buffer = Buffer.alloc(CHUNK);
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, CHUNK, this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        this.write(this.decoder.decode(buffer.subarray(0, bytesRead), { stream: true }));
      }
    } finally {
      await handle.close();
    }
  }

  /** What an unfinished UTF-8 sequence at the end held, once nothing more will come. */
  flush(): void {
    const rest = this.decoder.decode();
    if (rest !== '') this.write(rest);
  }
}

export interface ShowLogsOptions {
  readonly taskFolder: string;
  readonly streams: readonly LogStream[];
  /** A fixed attempt; without it the last one, and a follow moves on to each retry as it starts. */
  readonly attempt?: number;
  /** Keep printing until `ended` says the task is over. */
  readonly follow: boolean;
  readonly ended: () => Promise<boolean>;
  readonly write: Readonly<Record<LogStream, (text: string) => void>>;
  readonly note: (text: string) => void;
}

/** Prints a task's logs, or follows them to the task's end. */
export async function showLogs(options: ShowLogsOptions): Promise<void> {
  let current: number | undefined;
  let tails: FileTail[] = [];
  const drain = async (): Promise<void> => {
    for (const tail of tails) await tail.pump();
  };
  for (;;) {
    // Whether the task had ended is read before its files, so the last pump sees everything it wrote.
    const over = !options.follow || (await options.ended());
    const attempt = options.attempt ?? (await attemptsOf(options.taskFolder)).at(-1);
    if (attempt !== undefined && attempt !== current) {
      await drain();
      tails.forEach((tail) => tail.flush());
      if (current !== undefined) options.note(`attempt ${attempt} started`);
      current = attempt;
      tails = options.streams.map((stream) => new FileTail(options.taskFolder, `attempts/${attempt}/${stream}`, options.write[stream]));
    }
    await drain();
    if (over) break;
    await sleep(POLL_MS);
  }
  tails.forEach((tail) => tail.flush());
}
