import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';

const READY = 'locked\n';
/** Holds the lock until its stdin ends: `read` returns at end of file, the shell exits, flock(1) releases. */
const HOLDER_SCRIPT = `printf '${READY.replace('\n', '\\n')}'; read -r _ || true`;

/**
 * An exclusive flock(2) on a file, held by a small helper process: `flock --exclusive FILE sh -c ...`. Node has no
 * flock of its own; a helper keeps the lock's lifetime tied to this process without native code:
 * - the kernel releases a flock when the last descriptor of it closes, so a lock never outlives its holder: when
 *   this process dies (even by SIGKILL), the helper's stdin pipe closes, its `read` returns, it exits, and the
 *   lock is free; no stale-lock detection (pids, ages) is needed, and nothing is left to clean up;
 * - waiting is done by the helper (blocking flock), so there is no polling, and waiters are served as the kernel
 *   wakes them; aborting a wait kills the helper.
 * The lock file itself is never removed (removing a lock file while another process waits on it is the classic race).
 * flock(2) works across processes on one machine, and on NFS (Linux emulates it with POSIX locks there).
 */
export class FileLock {
  private released: Promise<void> | undefined;

  private constructor(
    readonly path: string,
    private readonly holder: ChildProcessWithoutNullStreams,
    private readonly exited: Promise<void>,
  ) {}

  /** Waits for the lock (as long as it takes, until `signal` aborts: then rejects with `run.canceled`). */
  static acquire(path: string, signal?: AbortSignal): Promise<FileLock> {
    return new Promise<FileLock>((resolve, reject) => {
      if (signal?.aborted) {
        reject(new CapstanError(ErrorCode.Canceled, `canceled while waiting for the lock ${path}`));
        return;
      }
      // Its own process group (detached), so a Ctrl-C meant for Capstan does not drop the lock behind its back.
      const holder = spawn('flock', ['--exclusive', path, 'sh', '-c', HOLDER_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
      let output = '';
      let errors = '';
      let settled = false;
      const exited = new Promise<void>((done) => holder.once('close', () => done()));
      const fail = (error: Error): void => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        kill(holder);
        reject(error);
      };
      const onAbort = (): void => fail(new CapstanError(ErrorCode.Canceled, `canceled while waiting for the lock ${path}`));
      signal?.addEventListener('abort', onAbort, { once: true });
      holder.stdout.setEncoding('utf8');
      holder.stderr.setEncoding('utf8');
      holder.stdout.on('data', (chunk: string) => {
        output += chunk;
        if (!settled && output.startsWith(READY)) {
          settled = true;
          signal?.removeEventListener('abort', onAbort);
          resolve(new FileLock(path, holder, exited));
        }
      });
      holder.stderr.on('data', (chunk: string) => (errors += chunk));
      holder.stdin.on('error', () => undefined); // EPIPE when the helper is gone
      holder.once('error', (error) => fail(new CapstanError(ErrorCode.BackendFailure, `could not run flock(1) to lock ${path}: ${error.message}; install util-linux`, { cause: error })));
      holder.once('exit', (code, exitSignal) => {
        fail(new CapstanError(ErrorCode.BackendFailure, `could not lock ${path}: flock exited with ${code ?? exitSignal}${errors.trim() === '' ? '' : `: ${errors.trim()}`}`));
      });
    });
  }

  /** Releases the lock and waits until the helper has exited (the lock is free when this resolves). Idempotent. */
  release(): Promise<void> {
    if (this.released === undefined) {
      this.holder.stdin.end();
      const timer = setTimeout(() => kill(this.holder), 5_000);
      this.released = this.exited.finally(() => clearTimeout(timer));
    }
    return this.released;
  }
}

function kill(holder: ChildProcessWithoutNullStreams): void {
  if (holder.pid === undefined || holder.exitCode !== null || holder.signalCode !== null) return;
  try {
    process.kill(-holder.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
