import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rmdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export const CGROUP_ROOT = '/sys/fs/cgroup';
const CPU_PERIOD_US = 100_000;
const SHARES_PER_CPU = 1024;

/** Whether this process can make a cgroup per attempt with memory and cpu limits, and how. */
export interface CgroupSupport {
  readonly usable: boolean;
  /** 1: the legacy per-controller hierarchies (memory/, cpu/); 2: the unified one. Null when neither has the controllers. */
  readonly version: 1 | 2 | null;
  /** Why not usable, or where attempts' cgroups go. */
  readonly description: string;
  readonly root: string;
  readonly parent: string;
}

export interface CgroupLimits {
  /** Hard limit in bytes (swap included: none beyond it), or null for none. */
  readonly memoryBytes: number | null;
  /** The cpu request, as a relative weight (shares). */
  readonly cpuRequest: number;
  /** A hard quota in CPUs, or null for none. */
  readonly cpuLimit: number | null;
}

/**
 * Looks (synchronously: capabilities are fixed when the backend is made) for cgroup controllers this process may use:
 * v2 when the root is a unified hierarchy listing memory and cpu, else v1 when the memory and cpu hierarchies are
 * mounted below the root. Usable when `<parent>` exists and is writable, or can be made in a writable controller
 * root (root can; an ordinary user only in a folder delegated to it).
 */
export function detectCgroups(parent: string, root = CGROUP_ROOT): CgroupSupport {
  const base = { root, parent };
  if (existsSync(join(root, 'cgroup.controllers'))) {
    const controllers = readText(join(root, 'cgroup.controllers')).split(/\s+/);
    if (!controllers.includes('memory') || !controllers.includes('cpu')) {
      return { ...base, usable: false, version: 2, description: `the unified cgroup hierarchy at ${root} lacks the memory or cpu controller` };
    }
    const folder = join(root, parent);
    if (!writableFolderOrParent(folder)) return { ...base, usable: false, version: 2, description: `${folder} cannot be made or written by this user (delegate it, or run as root)` };
    return { ...base, usable: true, version: 2, description: `cgroup v2, one per attempt in ${folder}` };
  }
  const memory = join(root, 'memory');
  const cpu = join(root, 'cpu');
  if (!existsSync(join(memory, 'memory.limit_in_bytes')) || !existsSync(join(cpu, 'cpu.cfs_quota_us'))) {
    return { ...base, usable: false, version: null, description: `no cgroup v2 hierarchy at ${root} and no v1 memory and cpu hierarchies below it` };
  }
  for (const controller of [memory, cpu]) {
    const folder = join(controller, parent);
    if (!writableFolderOrParent(folder)) return { ...base, usable: false, version: 1, description: `${folder} cannot be made or written by this user (delegate it, or run as root)` };
  }
  return { ...base, usable: true, version: 1, description: `cgroup v1, one per attempt in ${join(memory, parent)} and ${join(cpu, parent)}` };
}

/** The folders attempts' cgroups are made in: v1 the parent in the memory and the cpu hierarchy, v2 the one parent. */
export function parentFolders(support: CgroupSupport): string[] {
  if (support.version === 2) return [join(support.root, support.parent)];
  return support.version === 1 ? ['memory', 'cpu'].map((controller) => join(support.root, controller, support.parent)) : [];
}

function writableFolderOrParent(folder: string): boolean {
  const target = existsSync(folder) ? folder : join(folder, '..');
  if (!existsSync(target)) return writableFolderOrParent(target);
  try {
    accessSync(target, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/**
 * The cgroup of one attempt. The apptainer process joins it before it starts (a shell writes its own pid to each
 * `cgroup.procs`, then execs apptainer), so Apptainer's runtime and every process of the task are in it: the limits
 * hold for all of them, the OOM count covers all of them, and whatever escaped the process group is still found and
 * killed at the end.
 */
export class AttemptCgroup {
  private constructor(
    readonly version: 1 | 2,
    /** v1: the memory folder first, then cpu; v2: the one folder. */
    readonly folders: readonly string[],
    private readonly root: string,
  ) {}

  /** Makes the cgroup and writes its limits (removing it again if they cannot be written). */
  static async create(support: CgroupSupport, name: string, limits: CgroupLimits): Promise<AttemptCgroup> {
    const cgroup = await AttemptCgroup.make(support, name);
    try {
      await cgroup.applyLimits(limits);
    } catch (error) {
      await cgroup.remove().catch(() => undefined);
      throw error;
    }
    return cgroup;
  }

  /**
   * Makes the cgroup with the kernel's defaults (no limit); `applyLimits` sets them. `exclusive`: fail (EEXIST) if
   * a cgroup of that name exists, rather than share it (v2 always does).
   */
  static async make(support: CgroupSupport, name: string, exclusive = false): Promise<AttemptCgroup> {
    if (!support.usable || support.version === null) throw new Error(`cgroups are not usable: ${support.description}`);
    if (support.version === 2) {
      const parent = join(support.root, support.parent);
      await mkdir(parent, { recursive: true });
      // Controllers reach a child only when every ancestor below the root enables them for its children.
      await enableControllers(support.root, support.parent);
      const folder = join(parent, name);
      await mkdir(folder);
      return new AttemptCgroup(2, [folder], support.root);
    }
    const folders = [join(support.root, 'memory', support.parent, name), join(support.root, 'cpu', support.parent, name)];
    for (const [index, folder] of folders.entries()) {
      try {
        if (exclusive) {
          await mkdir(dirname(folder), { recursive: true });
          await mkdir(folder);
        } else await mkdir(folder, { recursive: true });
      } catch (error) {
        for (const made of folders.slice(0, index)) await rmdir(made).catch(() => undefined);
        throw error;
      }
    }
    return new AttemptCgroup(1, folders, support.root);
  }

  /** The folder's last part (the same in every hierarchy). */
  get name(): string {
    return basename(this.folders[0] ?? '');
  }

  /**
   * Gives the cgroup another name in the same parent, its processes staying in it (cgroup v1 only: the unified
   * hierarchy cannot rename, and there this cgroup is returned unchanged). Moves no process: no migration cost.
   */
  async rename(name: string): Promise<AttemptCgroup> {
    if (this.version === 2 || name === this.name) return this;
    const renamed = this.folders.map((folder) => join(dirname(folder), name));
    for (const [index, folder] of this.folders.entries()) {
      try {
        await rename(folder, renamed[index] ?? folder);
      } catch (error) {
        // Put back those already renamed, so the folders keep one name.
        for (const [undo, done] of renamed.slice(0, index).entries()) await rename(done, this.folders[undo] ?? done).catch(() => undefined);
        throw error;
      }
    }
    return new AttemptCgroup(1, renamed, this.root);
  }

  /**
   * Where a process in this cgroup writes its pid to leave it (so the cgroup can be removed): each v1 folder's
   * parent; on v2 the root (the parent enables controllers for its children, so it may hold no process itself).
   */
  get leaveFiles(): string[] {
    return this.version === 1 ? this.folders.map((folder) => join(dirname(folder), 'cgroup.procs')) : [join(this.root, 'cgroup.procs')];
  }

  /** The files a process writes its pid to, to join. */
  get procsFiles(): string[] {
    return this.folders.map((folder) => join(folder, 'cgroup.procs'));
  }

  get memoryFolder(): string {
    return this.folders[0] ?? '';
  }

  get cpuFolder(): string {
    return this.folders[this.version === 1 ? 1 : 0] ?? '';
  }

  /** Writes the limits (plain file writes: no process is moved). */
  async applyLimits(limits: CgroupLimits): Promise<void> {
    const shares = Math.max(2, Math.round(limits.cpuRequest * SHARES_PER_CPU));
    const quota = limits.cpuLimit === null ? null : Math.max(1000, Math.round(limits.cpuLimit * CPU_PERIOD_US));
    if (this.version === 1) {
      if (limits.memoryBytes !== null) {
        await writeFile(join(this.memoryFolder, 'memory.limit_in_bytes'), String(limits.memoryBytes));
        // memory+swap: only where swap accounting is on; it must not be below the memory limit, so it comes second.
        if (existsSync(join(this.memoryFolder, 'memory.memsw.limit_in_bytes'))) await writeFile(join(this.memoryFolder, 'memory.memsw.limit_in_bytes'), String(limits.memoryBytes));
      }
      await writeFile(join(this.cpuFolder, 'cpu.shares'), String(shares));
      if (quota !== null) {
        await writeFile(join(this.cpuFolder, 'cpu.cfs_period_us'), String(CPU_PERIOD_US));
        await writeFile(join(this.cpuFolder, 'cpu.cfs_quota_us'), String(quota));
      }
      return;
    }
    const folder = this.memoryFolder;
    if (limits.memoryBytes !== null) {
      await writeFile(join(folder, 'memory.max'), String(limits.memoryBytes));
      if (existsSync(join(folder, 'memory.swap.max'))) await writeFile(join(folder, 'memory.swap.max'), '0');
    }
    // runc's conversion of shares to weight (1..10000).
    await writeFile(join(folder, 'cpu.weight'), String(Math.round(1 + ((shares - 2) * 9999) / 262142)));
    if (quota !== null) await writeFile(join(folder, 'cpu.max'), `${quota} ${CPU_PERIOD_US}`);
  }

  /** How many processes the kernel's OOM killer ended in this cgroup (the cgroup's own count, not a guess from 137). */
  async oomKills(): Promise<number> {
    const file = this.version === 1 ? 'memory.oom_control' : 'memory.events';
    const text = await readFile(join(this.memoryFolder, file), 'utf8').catch(() => '');
    const match = /^oom_kill\s+([0-9]+)$/m.exec(text);
    return match === null ? 0 : Number(match[1]);
  }

  /** The processes still in the cgroup (something the task left that escaped the process group). */
  async members(): Promise<number[]> {
    const text = await readFile(join(this.memoryFolder, 'cgroup.procs'), 'utf8').catch(() => '');
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map(Number);
  }

  /** Kills every process left in the cgroup and waits (up to 3 s) until it is empty; returns how many it found. */
  async killRemaining(): Promise<number> {
    let found = 0;
    const deadline = Date.now() + 3_000;
    for (let pids = await this.members(); pids.length > 0 && Date.now() < deadline; pids = await this.members()) {
      found = Math.max(found, pids.length);
      if (this.version === 2 && existsSync(join(this.memoryFolder, 'cgroup.kill'))) {
        await writeFile(join(this.memoryFolder, 'cgroup.kill'), '1').catch(() => undefined);
      } else {
        for (const pid of pids) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // gone meanwhile
          }
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return found;
  }

  /** Removes the cgroup's folders (retrying while the last processes leave). */
  async remove(): Promise<void> {
    for (const folder of this.folders) {
      const deadline = Date.now() + 3_000;
      for (;;) {
        try {
          await rmdir(folder);
          break;
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') break;
          if (code !== 'EBUSY' || Date.now() > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    }
  }
}

async function enableControllers(root: string, parent: string): Promise<void> {
  const parts = parent.split('/');
  for (let depth = 0; depth <= parts.length; depth += 1) {
    const folder = join(root, ...parts.slice(0, depth));
    const file = join(folder, 'cgroup.subtree_control');
    const enabled = (await readFile(file, 'utf8').catch(() => '')).split(/\s+/);
    const missing = ['memory', 'cpu'].filter((controller) => !enabled.includes(controller));
    if (missing.length > 0) await writeFile(file, missing.map((controller) => `+${controller}`).join(' '));
  }
}

/** `sh -c SCRIPT capstan-cgroup PROCS... -- PROGRAM ARGS...`: joins each cgroup, then becomes the program. */
export const JOIN_FAILED_EXIT = 125;
export const JOIN_FAILED_MARKER = 'capstan: could not join the cgroup';
export const JOIN_SCRIPT = `while [ "$1" != -- ]; do echo $$ > "$1" || { echo "${JOIN_FAILED_MARKER} $1" >&2; exit ${JOIN_FAILED_EXIT}; }; shift; done; shift; exec "$@"`;
