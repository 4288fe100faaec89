import { readdir, readFile, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type CgroupSupport, parentFolders } from './cgroups';
import { processStartTicks } from './running-attempts';
import { SPARE_MARKER, SPARE_NAME } from './spare';

/**
 * Removes the spares of Capstan processes that are gone (see spare-pool.ts): every cgroup below the parent named
 * `capstan-spare.<pid>.<start ticks>.<n>` whose owner no longer runs (no process with that pid and start time) and
 * that holds nothing but waiting spare shells: those are killed and the cgroup removed. A cgroup holding anything
 * else is an attempt that took the spare (on cgroup v2, where it keeps the spare's name), left to the orphan reaper.
 * Returns the names removed.
 */
export async function sweepOrphanSpares(support: CgroupSupport): Promise<string[]> {
  if (!support.usable) return [];
  const parents = parentFolders(support);
  const names = new Set<string>();
  for (const parent of parents) {
    for (const name of await readdir(parent).catch(() => [] as string[])) if (SPARE_NAME.test(name)) names.add(name);
  }
  const removed: string[] = [];
  for (const name of names) {
    const [, pid, ticks] = SPARE_NAME.exec(name) ?? [];
    if ((await processStartTicks(Number(pid))) === ticks) continue;
    const folders = parents.map((parent) => join(parent, name));
    const members = new Set((await Promise.all(folders.map(readMembers))).flat());
    if (!(await everyIsSpare(members))) continue;
    for (const member of members) {
      try {
        process.kill(member, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    let all = true;
    for (const folder of folders) all = (await removeFolder(folder)) && all;
    if (all) removed.push(name);
  }
  return removed;
}

async function readMembers(folder: string): Promise<number[]> {
  const text = await readFile(join(folder, 'cgroup.procs'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(Number);
}

/** A spare's shell runs `sh -c SPARE_SCRIPT capstan-spare ...` until it is handed a command (then it becomes apptainer). */
async function everyIsSpare(pids: ReadonlySet<number>): Promise<boolean> {
  for (const pid of pids) {
    const text = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    // Gone, or a zombie: nothing to judge.
    if (text === '') continue;
    const args = text.split('\0');
    if (args[1] !== '-c' || args[3] !== SPARE_MARKER) return false;
  }
  return true;
}

async function removeFolder(folder: string): Promise<boolean> {
  for (let tries = 0; tries < 60; tries += 1) {
    const code = await rmdir(folder).then(
      () => 'done',
      (error: NodeJS.ErrnoException) => error.code ?? 'error',
    );
    if (code === 'done' || code === 'ENOENT') return true;
    if (code !== 'EBUSY') return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}
