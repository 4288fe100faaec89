import { shellQuote } from '@capstan/support';
import { type ChildProcess, spawn } from 'node:child_process';
import { type Socket } from 'node:net';
import { AttemptCgroup, type CgroupLimits, type CgroupSupport, JOIN_FAILED_EXIT, JOIN_FAILED_MARKER } from './cgroups';

/** `$0` of every spare's shell: how a spare is told from anything else in a cgroup (see spare-sweep.ts). */
export const SPARE_MARKER = 'capstan-spare';
/** Spare cgroups are named `capstan-spare.<owner pid>.<owner start ticks>.<serial>`. */
export const SPARE_NAME = /^capstan-spare\.([0-9]+)\.([0-9]+)\.[0-9]+$/;
/** Printed (with exit 125) when the handed command cannot start: its folder or its program is missing. */
export const LAUNCH_FAILED_MARKER = 'capstan: could not start the task';
const READY = 'ready\n';
const READY_TIMEOUT_MS = 30_000;

/**
 * `sh -c SPARE_SCRIPT capstan-spare FOLDER LEAVE [FOLDER LEAVE]`: joins each cgroup folder, says `ready`, and waits
 * for one line on stdin: a command, which it evaluates (it ends in `exec`). If stdin closes first (its owner died
 * or gave it up), it leaves each cgroup by writing itself to LEAVE, removes the folder, and exits.
 */
export const SPARE_SCRIPT = [
  'n=0',
  `for f; do n=$((n + 1)); [ $((n % 2)) -eq 0 ] && continue; echo $$ > "$f/cgroup.procs" || { echo "${JOIN_FAILED_MARKER} $f" >&2; exit ${JOIN_FAILED_EXIT}; }; done`,
  'echo ready',
  "nl='\n'",
  `if IFS= read -r capstan_line; then eval "$capstan_line"; exit ${JOIN_FAILED_EXIT}; fi`,
  'while [ $# -ge 2 ]; do echo $$ > "$2" 2>/dev/null && rmdir "$1" 2>/dev/null; shift 2; done',
].join('\n');

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** One shell word; a newline (which forces quoting) becomes `'"$nl"'` (set by SPARE_SCRIPT) so the command stays one line. */
function oneLineWord(value: string): string {
  return shellQuote(value).replace(/\n/g, `'"$nl"'`);
}

/**
 * The one line a spare evaluates to become the attempt: stdin from /dev/null, into the working folder, the task's
 * variables exported, then `exec PROGRAM ARGS`. The shell's environment otherwise is the one it was started with.
 */
export function launchLine(program: string, args: readonly string[], cwd: string, env: Readonly<Record<string, string>>): string {
  const exports = Object.entries(env).map(([name, value]) => {
    if (!ENV_NAME.test(name)) throw new Error(`"${name}" is not a variable name a shell can export`);
    return `export ${name}=${oneLineWord(value)}`;
  });
  const fail = (why: string): string => `{ echo ${oneLineWord(`${LAUNCH_FAILED_MARKER}: ${why}`)} >&2; exit ${JOIN_FAILED_EXIT}; }`;
  return [
    'exec </dev/null',
    `cd ${oneLineWord(cwd)} || ${fail(`cannot enter ${cwd}`)}`,
    'unset OLDPWD',
    ...exports,
    `command -v ${oneLineWord(program)} >/dev/null || ${fail(`${program} is not found on PATH`)}`,
    `exec ${[program, ...args].map(oneLineWord).join(' ')}`,
  ].join('; ');
}

/**
 * A shell already inside a fresh cgroup (memory and cpu, no limits yet), waiting for a command: moving a process into
 * a cgroup can wait for the kernel (an RCU grace period on cgroup v1), so spares pay that ahead of time and an
 * attempt only writes its limits. It leads its own process group, as `runProcessGroup` would make it.
 */
export class Spare {
  private constructor(
    readonly child: ChildProcess,
    /** The cgroup it is in (renamed by `prepare`). */
    private current: AttemptCgroup,
  ) {}

  /** Makes the cgroup, starts the shell in it, and resolves once it is inside; `track` learns of both as they come. */
  static async start(support: CgroupSupport, name: string, env: Readonly<Record<string, string>>, track: (part: AttemptCgroup | ChildProcess) => void): Promise<Spare> {
    const cgroup = await AttemptCgroup.make(support, name, true);
    track(cgroup);
    let child: ChildProcess;
    try {
      const pairs = cgroup.folders.flatMap((folder, index) => [folder, cgroup.leaveFiles[index] ?? cgroup.leaveFiles[0] ?? '']);
      child = spawn('/bin/sh', ['-c', SPARE_SCRIPT, SPARE_MARKER, ...pairs], { cwd: '/', env: { ...env }, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (error) {
      await cgroup.remove().catch(() => undefined);
      throw error;
    }
    track(child);
    // An idle spare must not keep this process alive; `launch` makes it count again.
    child.unref();
    for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as Socket | null)?.unref();
    // Writing to a spare that died is not this process's failure: its end is seen as the attempt's.
    child.stdin?.on('error', () => undefined);
    child.on('error', () => undefined);
    const spare = new Spare(child, cgroup);
    try {
      await spare.waitReady();
    } catch (error) {
      await spare.discard();
      throw error;
    }
    return spare;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get cgroup(): AttemptCgroup {
    return this.current;
  }

  /** Still waiting (not ended, nor killed). */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null && !this.child.killed;
  }

  /** Renames its cgroup for the attempt (v1) and writes the attempt's limits: nothing of the attempt runs yet. */
  async prepare(name: string, limits: CgroupLimits): Promise<AttemptCgroup> {
    this.current = await this.current.rename(name).catch(() => this.current);
    await this.current.applyLimits(limits);
    return this.current;
  }

  /** Hands it its command: from now on it is the attempt's process (same pid, same group) and keeps this process alive. */
  launch(line: string): ChildProcess {
    this.child.ref();
    for (const stream of [this.child.stdin, this.child.stdout, this.child.stderr]) (stream as Socket | null)?.ref();
    this.child.stdin?.end(`${line}\n`);
    return this.child;
  }

  /** Kills it (if it still runs), waits for its end, and removes its cgroup. */
  async discard(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const ended = new Promise((resolve) => this.child.once('exit', resolve));
      killGroup(this.pid);
      await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 3_000).unref())]);
    }
    await this.current.killRemaining().catch(() => 0);
    await this.current.remove();
  }

  private waitReady(): Promise<void> {
    const { stdout, stderr } = this.child;
    if (stdout === null || stderr === null) return Promise.reject(new Error('the spare has no output pipes'));
    return new Promise((resolve, reject) => {
      let out = '';
      let err = '';
      const onOut = (chunk: Buffer): void => {
        out += chunk.toString('utf8');
        if (out.startsWith(READY)) done();
        else if (out.length >= READY.length) done(new Error(`the spare printed ${JSON.stringify(out)} instead of "ready"`));
      };
      const onErr = (chunk: Buffer): void => {
        err = (err + chunk.toString('utf8')).slice(-2_000);
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void => done(new Error(`the spare ended (${code ?? signal}) before joining its cgroup: ${err.trim() || 'no message'}`));
      const onError = (error: Error): void => done(error);
      const timer = setTimeout(() => done(new Error(`the spare did not join its cgroup within ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS);
      timer.unref();
      const done = (error?: Error): void => {
        clearTimeout(timer);
        stdout.off('data', onOut);
        stderr.off('data', onErr);
        this.child.off('exit', onExit);
        this.child.off('error', onError);
        // Whatever comes later (the attempt's output) is read by whoever launches it.
        stdout.pause();
        stderr.pause();
        if (error === undefined) resolve();
        else reject(error);
      };
      stdout.on('data', onOut);
      stderr.on('data', onErr);
      this.child.once('exit', onExit);
      this.child.once('error', onError);
    });
  }
}

/** SIGKILL to the spare's group (the shell alone until it is launched). */
export function killGroup(pid: number): void {
  if (pid <= 1) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // gone already
  }
}
