import { type ChildProcess } from 'node:child_process';
import { readFileSync, rmdirSync } from 'node:fs';
import { AttemptCgroup, type CgroupSupport } from './cgroups';
import { killGroup, Spare, SPARE_MARKER } from './spare';

/** After this many spares in a row failed to start, the pool stops trying (attempts then join cgroups themselves). */
export const MAX_SPARE_FAILURES = 3;

const livePools = new Set<SparePool>();
/** One count for the whole process: several pools (backends) may share a cgroup parent, and names must not meet. */
let spareSerial = 0;
let exitHookInstalled = false;

interface Entry {
  cgroup?: AttemptCgroup;
  child?: ChildProcess;
  spare?: Spare;
}

/** What a backend shows of its spare pool, for tests and diagnostics; taking and closing stay the backend's. */
export interface SpareDiagnostics {
  /** How often an attempt took a ready spare, and how often it found none and made its own cgroup. */
  readonly taken: number;
  readonly missed: number;
  readonly readyCount: number;
  readonly spares: ReadonlyArray<{ readonly pid: number; readonly folders: readonly string[] }>;
  readonly gaveUp: boolean;
  readonly lastError: Error | undefined;
  /** Resolves when no spare is starting. */
  settled(): Promise<void>;
}

/**
 * The spares of one backend: at least one ready while it runs attempts, more (up to `max`) when several attempts
 * start at once. Spares start in the background (after an attempt was launched, never on its path); a taken spare
 * belongs to its attempt. Closing the pool, or this process exiting, kills the spares and removes their cgroups; if
 * this process dies without that (SIGKILL), each spare sees its stdin close, leaves its cgroup and removes it, and
 * what is left anyway is found by `sweepOrphanSpares` (their cgroups are named after this process).
 */
export class SparePool implements SpareDiagnostics {
  private readonly ready: Entry[] = [];
  /** Every spare not yet taken, starting or ready: what `close` and the exit hook end. */
  private readonly owned = new Set<Entry>();
  private readonly pending = new Set<Promise<void>>();
  private readonly prefix: string;
  private target = 1;
  private closed = false;
  private failures = 0;
  /** Why the last spare failed to start (kept once the pool gave up). */
  lastError: Error | undefined;
  /** How often `take` handed out a spare, and how often it found none ready (diagnostics, the benchmark). */
  taken = 0;
  missed = 0;

  constructor(
    private readonly support: CgroupSupport,
    /** The environment the spares' shells start with (the attempt's own variables come with its command). */
    private readonly env: Readonly<Record<string, string>>,
    /** At most this many spares (ready and starting). */
    private readonly max: number,
  ) {
    this.prefix = `${SPARE_MARKER}.${process.pid}.${ownStartTicks()}`;
    livePools.add(this);
    installExitHook();
  }

  /** True once MAX_SPARE_FAILURES spares in a row failed: no more are started. */
  get gaveUp(): boolean {
    return this.failures >= MAX_SPARE_FAILURES;
  }

  /** How many are ready now (for tests and diagnostics). */
  get readyCount(): number {
    return this.ready.length;
  }

  /** The process ids and cgroup folders of the spares not taken (for tests and diagnostics). */
  get spares(): ReadonlyArray<{ readonly pid: number; readonly folders: readonly string[] }> {
    return this.ready.flatMap((entry) => (entry.spare === undefined ? [] : [{ pid: entry.spare.pid, folders: entry.spare.cgroup.folders }]));
  }

  /**
   * A ready spare, or undefined when none is (the caller makes a cgroup itself). `demand` is how many attempts want
   * one at once, this one included: the pool grows to it (up to `max`) on the next `replenish`.
   */
  take(demand: number): Spare | undefined {
    this.target = Math.min(this.max, Math.max(this.target, demand));
    for (let entry = this.ready.shift(); entry !== undefined; entry = this.ready.shift()) {
      this.owned.delete(entry);
      const spare = entry.spare;
      if (spare?.alive === true) {
        this.taken += 1;
        return spare;
      }
      void spare?.discard().catch(() => undefined);
    }
    this.missed += 1;
    return undefined;
  }

  /** Starts spares in the background until as many as wanted are ready or starting. */
  replenish(): void {
    while (!this.closed && !this.gaveUp && this.ready.length + this.pending.size < this.target) this.startOne();
  }

  /** Resolves once every spare starting now is ready (for tests and the benchmark's warm-up). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Kills every spare not taken and removes its cgroup; starts no more. */
  async close(): Promise<void> {
    this.closed = true;
    await this.settled();
    const entries = this.ready.splice(0);
    for (const entry of entries) this.owned.delete(entry);
    await Promise.all(entries.map((entry) => entry.spare?.discard().catch(() => undefined)));
    livePools.delete(this);
  }

  private startOne(): void {
    const entry: Entry = {};
    this.owned.add(entry);
    const name = `${this.prefix}.${(spareSerial += 1)}`;
    const started = Spare.start(this.support, name, this.env, (part) => {
      if (part instanceof AttemptCgroup) entry.cgroup = part;
      else entry.child = part;
    }).then(
      (spare) => {
        entry.spare = spare;
        this.failures = 0;
        if (this.closed) {
          this.owned.delete(entry);
          return spare.discard().catch(() => undefined);
        }
        this.ready.push(entry);
        // A spare that dies while waiting (killed by someone) is dropped and its cgroup removed; a taken one is its attempt's.
        spare.child.once('exit', () => {
          const index = this.ready.indexOf(entry);
          if (index < 0) return;
          this.ready.splice(index, 1);
          this.owned.delete(entry);
          void spare.discard().catch(() => undefined);
        });
        return undefined;
      },
      (error: unknown) => {
        this.owned.delete(entry);
        this.failures += 1;
        this.lastError = error instanceof Error ? error : new Error(String(error));
      },
    );
    const tracked = started.then(() => {
      this.pending.delete(tracked);
    });
    this.pending.add(tracked);
  }

  /** For the exit hook: kills every spare not taken and removes its cgroup, synchronously. */
  endNow(): void {
    const entries = [...this.owned];
    this.owned.clear();
    this.ready.splice(0);
    for (const entry of entries) if (entry.child?.pid !== undefined && entry.child.exitCode === null) killGroup(entry.child.pid);
    for (const entry of entries) for (const folder of entry.cgroup?.folders ?? []) removeFolderSync(folder);
  }
}


/** One listener for every pool: on exit, no spare may stay (nor its cgroup). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const pool of livePools) pool.endNow();
    livePools.clear();
  });
}

/** rmdir, retrying (up to 2 s) while the killed shell is still leaving; the exit hook cannot wait asynchronously. */
function removeFolderSync(folder: string): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let waited = 0; waited <= 2_000; waited += 5) {
    try {
      rmdirSync(folder);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EBUSY') return;
      Atomics.wait(pause, 0, 0, 5);
    }
  }
}

/** This process's start time in clock ticks since boot (/proc/self/stat field 22): names its spares, so a sweep can tell a live owner from a reused pid. */
function ownStartTicks(): string {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '0';
  } catch {
    return '0';
  }
}
