import { shellQuote } from '@capstan/support';
import { spawn } from 'node:child_process';

/** What one scheduler command may print (a listing of every job of a large cluster fits). */
const MAX_OUTPUT_BYTES = 256 * 1024 * 1024;

export interface CommandResult {
  /** Null when the program could not be started (ENOENT), was killed, or timed out. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when the program did not run to its end: could not start (ENOENT, EACCES) or ran past its time. */
  readonly failure?: string;
}

export interface RunCommand {
  /** The words of the command, the program first; never joined by a shell here. */
  readonly argv: readonly string[];
  /** The whole environment of the command. */
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
}

/**
 * Where a scheduler backend's commands run: this host, or a login node over SSH. The one place such a backend
 * executes anything, so that another runner can be slotted in; a runner that goes through a shell uses
 * {@link commandLine}, which quotes every word.
 */
export interface CommandRunner {
  run(command: RunCommand): Promise<CommandResult>;
}

/** The command as one shell line, every word quoted: what a remote shell (ssh host 'line') must be given. */
export function commandLine(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

/**
 * Runs commands on this host (spawn, no shell), with a clean environment and a time limit. Each command leads its own
 * process group, so that one killed at its time limit takes what it started (a wrapper script's children) with it.
 */
export class LocalCommandRunner implements CommandRunner {
  run(command: RunCommand): Promise<CommandResult> {
    const [program = '', ...args] = command.argv;
    return new Promise((resolve) => {
      const child = spawn(program, args, { env: { ...command.env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let size = 0;
      let failure: string | undefined;
      const collect = (into: Buffer[]) => (chunk: Buffer): void => {
        size += chunk.length;
        if (size <= MAX_OUTPUT_BYTES) into.push(chunk);
        else if (failure === undefined) kill(`${program} printed more than ${MAX_OUTPUT_BYTES} bytes and was killed`);
      };
      const kill = (why: string): void => {
        failure ??= why;
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
        // Something outside the group may hold the pipes (an ssh session on a multiplexed connection hands them to
        // its master): the command is over once killed, whoever still writes.
        setTimeout(() => {
          child.stdout.destroy();
          child.stderr.destroy();
        }, 500).unref();
      };
      const timer = setTimeout(() => kill(`${program} did not answer within ${command.timeoutMs} ms and was killed`), command.timeoutMs);
      child.stdout.on('data', collect(out));
      child.stderr.on('data', collect(err));
      child.on('error', (error: NodeJS.ErrnoException) => {
        failure ??= `${program} could not be started (${error.code ?? error.message})`;
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        const stdout = Buffer.concat(out).toString('utf8');
        const stderr = Buffer.concat(err).toString('utf8');
        resolve(failure === undefined ? { code, stdout, stderr } : { code: null, stdout, stderr, failure });
      });
    });
  }
}
