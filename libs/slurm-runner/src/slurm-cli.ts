import { type CommandRunner } from '@capstan/process-kit';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export type SlurmCommand = 'sbatch' | 'squeue' | 'scontrol' | 'scancel' | 'sstat' | 'sacct';

export interface CommandResult {
  /** Null when the program could not be started (ENOENT) or was killed. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when the program could not be started: ENOENT, EACCES. */
  readonly spawnError?: NodeJS.ErrnoException;
}

/** One command as issued: which, and when (ms since the epoch). Kept for tests and benchmarks. */
export interface IssuedCommand {
  readonly command: SlurmCommand;
  readonly at: number;
}

export interface RunOptions {
  /** Added to this process's environment, or (with `cleanEnv`) the whole environment of the command. */
  readonly env?: Readonly<Record<string, string>>;
  readonly cleanEnv?: boolean;
  readonly signal?: AbortSignal;
  /** Default 60 s: a controller that does not answer must not hang a task for ever. */
  readonly timeoutMs?: number;
}

/**
 * Runs the Slurm commands and counts them. Every call this backend makes to Slurm goes through here, so the counts
 * (and {@link issued}) are the proof that polling does not grow with the number of tasks.
 */
export class SlurmCli {
  private readonly counts = new Map<SlurmCommand, number>();
  private readonly log: IssuedCommand[] = [];
  private readonly resolved = new Map<SlurmCommand, string>();

  constructor(
    private readonly binDir: string | undefined,
    private readonly baseEnv: Readonly<Record<string, string>>,
    /** How many issued commands are remembered with their time (the counts are kept for ever). */
    private readonly logLimit = 100_000,
    /** Where the commands run instead of here: a login node over SSH (`slurm.ssh`). */
    private readonly remote?: CommandRunner,
  ) {}

  /** The command's path: in binDir, else found on PATH once (so a command run with a clean environment is found too). */
  program(command: SlurmCommand): string {
    if (this.binDir !== undefined) return join(this.binDir, command);
    let path = this.resolved.get(command);
    if (path === undefined) {
      const folder = (this.baseEnv['PATH'] ?? '').split(delimiter).find((candidate) => candidate !== '' && existsSync(join(candidate, command)));
      path = folder === undefined ? command : join(folder, command);
      this.resolved.set(command, path);
    }
    return path;
  }

  run(command: SlurmCommand, args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    this.counts.set(command, (this.counts.get(command) ?? 0) + 1);
    if (this.log.length >= this.logLimit) this.log.splice(0, this.log.length - this.logLimit + 1);
    this.log.push({ command, at: Date.now() });
    if (this.remote !== undefined) return this.runRemote(command, args, options, this.remote);
    return new Promise((resolve) => {
      execFile(
        this.program(command),
        [...args],
        {
          env: options.cleanEnv === true ? { ...options.env } : { ...this.baseEnv, ...options.env },
          encoding: 'utf8',
          maxBuffer: 256 * 1024 * 1024,
          timeout: options.timeoutMs ?? 60_000,
          ...(options.signal === undefined ? {} : { signal: options.signal }),
        },
        (error, stdout, stderr) => {
          if (error === null) {
            resolve({ code: 0, stdout, stderr });
            return;
          }
          const errno = error as NodeJS.ErrnoException & { code?: string | number };
          if (typeof errno.code === 'string') resolve({ code: null, stdout, stderr: stderr || error.message, spawnError: errno });
          else resolve({ code: typeof errno.code === 'number' ? errno.code : null, stdout, stderr: stderr || error.message });
        },
      );
    });
  }

  /**
   * On the login node the command gets only the variables given for it: this host's own (baseEnv) name folders that
   * are not there, and the login node has its PATH. Found on that PATH unless binDir says where.
   */
  private async runRemote(command: SlurmCommand, args: readonly string[], options: RunOptions, remote: CommandRunner): Promise<CommandResult> {
    const program = this.binDir === undefined ? command : join(this.binDir, command);
    const result = await remote.run({ argv: [program, ...args], env: { ...options.env }, timeoutMs: options.timeoutMs ?? 60_000 });
    return { code: result.code, stdout: result.stdout, stderr: result.failure ?? result.stderr };
  }

  /** How many times each command was run since this instance was made. */
  commandCounts(): Record<SlurmCommand, number> {
    return {
      sbatch: this.counts.get('sbatch') ?? 0,
      squeue: this.counts.get('squeue') ?? 0,
      scontrol: this.counts.get('scontrol') ?? 0,
      scancel: this.counts.get('scancel') ?? 0,
      sstat: this.counts.get('sstat') ?? 0,
      sacct: this.counts.get('sacct') ?? 0,
    };
  }

  /** The commands issued in [from, to) (ms since the epoch), oldest first. */
  issuedBetween(from: number, to: number): IssuedCommand[] {
    return this.log.filter((entry) => entry.at >= from && entry.at < to);
  }
}
