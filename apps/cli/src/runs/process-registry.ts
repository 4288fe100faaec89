import { procProcessTable, type ProcessTable } from '@capstan/cleanup';
import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { replaceFileAtomically } from '@capstan/task-files';
import { unlinkSync } from 'node:fs';
import { lstat, mkdir, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { readConfinedJson } from './read-json';

/** A live `capstan run` as it registers itself for `capstan ps`; built at the first read, which a run never does. */
const buildEntrySchema = () => z.looseObject({
  version: z.literal(1),
  pid: z.number().int().positive(),
  processStartedAt: z.iso.datetime().nullable(),
  runId: z.string().max(64),
  runFolder: z.string().max(4096),
});
export type ProcessEntry = z.infer<ReturnType<typeof buildEntrySchema>>;
let entrySchema: ReturnType<typeof buildEntrySchema> | undefined;

const ENTRY = /^([1-9][0-9]{0,9})\.json$/;
const ENTRY_MAX_BYTES = 64 * 1024;
/** /proc start times are in clock ticks, and the recorded one went through a Date: equal within this. */
const START_SLACK_MS = 2_000;

/**
 * Where live runs register: `$XDG_RUNTIME_DIR/capstan/processes` (per user, cleared at logout), else
 * `<tmp>/capstan-<uid>/processes`. Both are this user's own: a folder there owned by someone else is refused.
 */
export function registryFolder(env: NodeJS.ProcessEnv = process.env): string {
  const runtime = env['XDG_RUNTIME_DIR'];
  const uid = process.getuid?.() ?? 0;
  return runtime !== undefined && isAbsolute(runtime) ? join(runtime, 'capstan', 'processes') : join(tmpdir(), `capstan-${uid}`, 'processes');
}

/** Creates the folder (0700), or refuses one that is a link or another user's: entries there would be theirs to fake. */
async function ownFolder(folder: string): Promise<void> {
  await mkdir(folder, { recursive: true, mode: 0o700 });
  await checkOwnFolder(folder);
}

async function checkOwnFolder(folder: string): Promise<void> {
  const stats = await lstat(folder);
  const uid = process.getuid?.();
  if (!stats.isDirectory() || (uid !== undefined && stats.uid !== uid)) {
    throw new CapstanError(ErrorCode.InvalidConfig, `${folder} is not a folder of this user's (a link, or owner uid ${stats.uid}), so the live runs it lists could be faked; remove it, or set XDG_RUNTIME_DIR to this user's runtime folder`, {
      details: { value: folder, limit: `uid ${uid}` },
    });
  }
}

/** This process, registered until `remove` (or its exit, whichever is first). */
export class ProcessRegistration {
  private removed = false;
  private readonly onExit = (): void => {
    // The last chance after an uncaught error: synchronous, since 'exit' runs no more promises. Never throws there.
    if (this.removed) return;
    try {
      unlinkSync(this.path);
    } catch {
      // Already gone (removed by hand, or by a `ps` that took this process for dead): nothing left to do.
    }
  };

  private constructor(readonly path: string) {
    process.once('exit', this.onExit);
  }

  static async register(entry: Pick<ProcessEntry, 'pid' | 'processStartedAt' | 'runId' | 'runFolder'>, folder = registryFolder()): Promise<ProcessRegistration> {
    await ownFolder(folder);
    const name = `${entry.pid}.json`;
    await replaceFileAtomically(folder, name, `${JSON.stringify({ version: 1, ...entry })}\n`, 0o600);
    return new ProcessRegistration(join(folder, name));
  }

  async remove(): Promise<void> {
    if (this.removed) return;
    this.removed = true;
    process.off('exit', this.onExit);
    await rm(this.path, { force: true });
  }
}

/** When this process started, as /proc says (the same clock `isAlive` compares against). */
export async function ownStartTime(processes: ProcessTable = procProcessTable): Promise<string | null> {
  return (await processes.startedAt(process.pid))?.toISOString() ?? null;
}

/** Whether `pid` is still the process that started at `startedAt` (a reused pid is not). */
export async function isAlive(pid: number, startedAt: string | null, processes: ProcessTable = procProcessTable): Promise<boolean> {
  const actual = await processes.startedAt(pid);
  if (actual === undefined) return false;
  return startedAt === null || Math.abs(actual.getTime() - Date.parse(startedAt)) <= START_SLACK_MS;
}

/**
 * The registered processes that still run; an entry whose pid is gone or reused, or that cannot be read as one, is
 * removed. Entries are read through task-files' confined open: a link or FIFO planted there is refused, not followed.
 */
export async function liveProcesses(folder = registryFolder(), processes: ProcessTable = procProcessTable): Promise<ProcessEntry[]> {
  const checked = await checkOwnFolder(folder).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false;
      throw error;
    },
  );
  if (!checked) return [];
  const names = await readdir(folder).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  const live: ProcessEntry[] = [];
  for (const name of names.filter((one) => ENTRY.test(one)).sort()) {
    const entry = await readEntry(folder, name);
    if (entry !== undefined && `${entry.pid}.json` === name && (await isAlive(entry.pid, entry.processStartedAt, processes))) live.push(entry);
    else {
      await rm(join(folder, name), { force: true });
      // Its cancel channel, left by a run killed with -9: nothing listens there any more.
      await rm(join(folder, name.replace(/\.json$/, '.sock')), { force: true });
    }
  }
  return live;
}

async function readEntry(folder: string, name: string): Promise<ProcessEntry | undefined> {
  const read = await readConfinedJson(folder, name, (entrySchema ??= buildEntrySchema()), ENTRY_MAX_BYTES);
  return read !== undefined && 'value' in read ? read.value : undefined;
}
