import { readFile } from 'node:fs/promises';

/** How a process is looked up; the real one reads /proc, tests hand in a fake. */
export interface ProcessTable {
  /** When the process started, or undefined when no such process runs (zombies count as gone). */
  startedAt(pid: number): Promise<Date | undefined>;
}

/** Linux's clock ticks per second for /proc/<pid>/stat start times (USER_HZ, 100 on every mainstream kernel). */
const CLOCK_TICKS_PER_SECOND = 100;

export const procProcessTable: ProcessTable = {
  async startedAt(pid: number): Promise<Date | undefined> {
    let stat: string;
    try {
      stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return undefined;
    }
    // Fields after the command name (which may hold spaces and parentheses) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    const startTicks = Number(fields[19]);
    const bootTime = await bootTimeSeconds();
    if (!Number.isFinite(startTicks) || bootTime === undefined) return new Date(0);
    return new Date((bootTime + startTicks / CLOCK_TICKS_PER_SECOND) * 1000);
  },
};

let cachedBootTime: number | undefined;
async function bootTimeSeconds(): Promise<number | undefined> {
  if (cachedBootTime !== undefined) return cachedBootTime;
  try {
    const match = /^btime (\d+)$/m.exec(await readFile('/proc/stat', 'utf8'));
    cachedBootTime = match ? Number(match[1]) : undefined;
  } catch {
    cachedBootTime = undefined;
  }
  return cachedBootTime;
}

/**
 * Whether the process that created a resource still runs. A live pid that started after the resource was created
 * is another process that reused the number: the owner is gone.
 */
export async function isOwnerAlive(pid: number, resourceCreated: Date, processes: ProcessTable = procProcessTable): Promise<boolean> {
  const startedAt = await processes.startedAt(pid);
  if (startedAt === undefined) return false;
  const slackMs = 2_000;
  return startedAt.getTime() <= resourceCreated.getTime() + slackMs;
}
