import { shellQuote } from '@capstan/support';
import { execFile } from 'node:child_process';

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
 * Where the scheduler's commands run: this host, or (later) a login node over SSH. The one place the batch backend
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

/** Runs commands on this host with execFile: no shell, a clean environment, a time limit. */
export class LocalCommandRunner implements CommandRunner {
  run(command: RunCommand): Promise<CommandResult> {
    const [program = '', ...args] = command.argv;
    return new Promise((resolve) => {
      execFile(program, args, { env: { ...command.env }, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: command.timeoutMs, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
        if (error === null) {
          resolve({ code: 0, stdout, stderr });
          return;
        }
        const failed = error as NodeJS.ErrnoException & { code?: string | number; killed?: boolean };
        if (typeof failed.code === 'string') resolve({ code: null, stdout, stderr, failure: `${program} could not be started (${failed.code})` });
        else if (failed.killed === true || failed.code === null) resolve({ code: null, stdout, stderr, failure: `${program} did not answer within ${command.timeoutMs} ms and was killed` });
        else resolve({ code: failed.code ?? null, stdout, stderr });
      });
    });
  }
}

/** Counts the commands a runner ran, by program name: the proof that polling does not grow with the number of jobs. */
export class CountingRunner implements CommandRunner {
  private readonly counts = new Map<string, number>();

  constructor(private readonly inner: CommandRunner) {}

  run(command: RunCommand): Promise<CommandResult> {
    const name = (command.argv[0] ?? '').split('/').pop() ?? '';
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
    return this.inner.run(command);
  }

  commandCounts(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}

/** The last lines of what a failed command said, for an error message. */
export function whatItSaid(result: CommandResult): string {
  const said = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-3).join(' ');
  return result.failure ?? (said === '' ? `exit code ${result.code ?? 'none'}` : `${said} (exit code ${result.code ?? 'none'})`);
}
