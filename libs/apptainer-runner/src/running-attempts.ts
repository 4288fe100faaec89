import { type ManagedResource } from '@capstan/core-constraints';
import { mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What is known of one running attempt: enough to find it again after its Capstan process died, and to end it. */
export interface RunningRecord {
  /** The apptainer process's pid, which leads the attempt's process group. */
  readonly pgid: number;
  /** Its start time in clock ticks since boot (/proc/PID/stat field 22): tells it from a later process given the same pid. */
  readonly startTicks: string | null;
  readonly attemptName: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The attempt's cgroup folders, if it has any. */
  readonly cgroups: readonly string[];
  readonly createdAt: string;
}

/**
 * Apptainer has no daemon that remembers containers: an attempt is a process group of the Capstan process that
 * started it, and outlives it if that process is killed (the group is detached so that a terminal's Ctrl-C reaches
 * Capstan, which stops it gracefully). So each running attempt is written down in `<folder>/<pgid>.json` (the labels
 * the engine gave it, its process group, its cgroups) when it starts and forgotten when it ends; what remains belongs
 * to a Capstan process that died, and `listManaged` / `removeManaged` let the orphan reaper (`capstan cleanup`,
 * reap-on-start) find it by its labels and end it.
 */
export class RunningAttempts {
  constructor(readonly folder: string) {}

  async add(record: RunningRecord): Promise<void> {
    await mkdir(this.folder, { recursive: true });
    const file = this.file(record.pgid);
    await writeFile(`${file}.tmp`, JSON.stringify(record));
    await rename(`${file}.tmp`, file);
  }

  async remove(pgid: number): Promise<void> {
    await rm(this.file(pgid), { force: true });
  }

  /** The recorded attempts whose process group still runs; records of groups that are gone are dropped. */
  async list(): Promise<RunningRecord[]> {
    const names = await readdir(this.folder).catch(() => [] as string[]);
    const live: RunningRecord[] = [];
    for (const name of names.filter((entry) => /^[0-9]+\.json$/.test(entry))) {
      const record = await readFile(join(this.folder, name), 'utf8')
        .then((text) => JSON.parse(text) as RunningRecord)
        .catch(() => undefined);
      if (record === undefined) continue;
      if (await groupRuns(record)) live.push(record);
      else await rm(join(this.folder, name), { force: true });
    }
    return live;
  }

  /** Kills the attempt's process group and whatever is left in its cgroups, removes the cgroups and the record. */
  async end(pgid: number): Promise<void> {
    const record = (await this.list()).find((entry) => entry.pgid === pgid);
    if (record !== undefined) {
      signalGroup(pgid, 'SIGKILL');
      const deadline = Date.now() + 3_000;
      while ((await groupRuns(record)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      for (const folder of record.cgroups) {
        const members = await readFile(join(folder, 'cgroup.procs'), 'utf8').catch(() => '');
        for (const pid of members.split('\n').filter((line) => line.trim() !== '')) {
          try {
            process.kill(Number(pid), 'SIGKILL');
          } catch {
            // gone meanwhile
          }
        }
      }
      for (const folder of record.cgroups) {
        for (let tries = 0; tries < 60; tries += 1) {
          const removed = await rmdir(folder).then(
            () => true,
            (error: NodeJS.ErrnoException) => error.code === 'ENOENT',
          );
          if (removed) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    }
    await this.remove(pgid);
  }

  static toResource(record: RunningRecord): ManagedResource {
    return { id: String(record.pgid), name: record.attemptName, labels: record.labels, state: 'running' };
  }

  private file(pgid: number): string {
    return join(this.folder, `${pgid}.json`);
  }
}

/** The start time of a process (field 22 of /proc/PID/stat), or null when it does not run (or is a zombie). */
export async function processStartTicks(pid: number): Promise<string | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields.length < 20 || fields[0] === 'Z' || fields[0] === 'X') return null;
  return fields[19] ?? null;
}

/** True while the leader runs (the same process: same start time), or, the leader gone, any member of its group does. */
async function groupRuns(record: RunningRecord): Promise<boolean> {
  const ticks = await processStartTicks(record.pgid);
  if (ticks !== null) return record.startTicks === null || ticks === record.startTicks;
  const entries = await readdir('/proc').catch(() => [] as string[]);
  for (const entry of entries.filter((name) => /^[0-9]+$/.test(name))) {
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[2] === String(record.pgid) && fields[0] !== 'Z' && fields[0] !== 'X') return true;
  }
  return false;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}
