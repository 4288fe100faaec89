import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CommandResult, type CommandRunner, commandLine, LocalCommandRunner, type RunCommand } from './command-runner';
import { type SshOptions } from './ssh-options';

/** The login node has its own: sending this host's would point its commands at folders that are not there. */
const REMOTE_OWN = new Set(['PATH', 'HOME', 'USER', 'LOGNAME']);
const FIRST_BACKOFF_MS = 200;
const MOST_BACKOFF_MS = 5000;

export type SshFailureKind = 'unreachable' | 'auth-refused' | 'host-key-mismatch';

/** What ssh's own words say went wrong, as the field to fix: the three refusals a config can cause. */
export function sshFailure(stderr: string, options: SshOptions, path: string): CapstanError {
  const where = `${options.user}@${options.host}:${options.port}`;
  const said = stderr.trim().split('\n').filter((line) => !line.startsWith('@') && line.trim() !== '').slice(-2).join(' ');
  const fail = (kind: SshFailureKind, field: string, message: string) =>
    new CapstanError(ErrorCode.BackendUnavailable, `${message} (ssh said: ${said || 'nothing'})`, { path: `${path}.${field}`, details: { kind, host: options.host, port: options.port } });
  if (/host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|host key .* is not known|No .* host key is known/i.test(stderr)) {
    return fail('host-key-mismatch', 'knownHostsFile', `${where} showed a host key that ${path}.knownHostsFile (${options.knownHostsFile}) does not hold: add the login node's key there (ssh-keyscan -p ${options.port} ${options.host}, checked against the node's own), never turn host key checking off`);
  }
  if (/permission denied|too many authentication failures|no such identity|invalid format|bad permissions/i.test(stderr)) {
    return fail('auth-refused', 'identityFile', `${where} refused the key ${options.identityFile}: put its public half in ~${options.user}/.ssh/authorized_keys on the login node, or fix ${path}.identityFile and ${path}.user`);
  }
  return fail('unreachable', 'host', `${where} does not answer over SSH: check ${path}.host and ${path}.port, and that sshd runs there`);
}

/**
 * Runs the scheduler's commands on a login node with the system ssh client, over one multiplexed connection: a master
 * this runner holds as a child (its socket in a private 0700 folder), every command a session on it. A master that
 * dies is started again, with backoff, by the next command; until it is, commands fail (a status read that fails is
 * never a job's end). The command line is quoted word by word (commandLine), so that nothing in a job name or a path
 * reaches the remote shell as syntax.
 */
export class SshCommandRunner implements CommandRunner {
  private readonly local = new LocalCommandRunner();
  private readonly folder = mkdtempSync(join(tmpdir(), 'capstan-ssh-'));
  private master: ChildProcess | undefined;
  private socket = '';
  private generation = 0;
  private connecting: Promise<void> | undefined;
  private backoffMs = FIRST_BACKOFF_MS;
  private closed = false;

  /** `path` is where the options sit in the config (`batch.ssh`), for the field an error names. */
  constructor(
    readonly options: SshOptions,
    private readonly path: string,
  ) {}

  /** Options every ssh invocation shares: strict host key checking, no prompt, this key only. */
  private common(): string[] {
    const o = this.options;
    return [
      '-F', '/dev/null',
      '-o', 'BatchMode=yes',
      '-o', 'StrictHostKeyChecking=yes',
      '-o', `UserKnownHostsFile=${o.knownHostsFile}`,
      '-o', 'GlobalKnownHostsFile=/dev/null',
      '-o', 'IdentitiesOnly=yes',
      '-o', `ConnectTimeout=${o.connectTimeoutSeconds}`,
      '-o', 'ServerAliveInterval=5',
      '-o', 'ServerAliveCountMax=3',
      '-i', o.identityFile,
      '-p', String(o.port),
      '-l', o.user,
    ];
  }

  /** Opens the master connection, or throws the typed refusal; waits out a start already under way. */
  connect(deadline = Date.now() + this.options.connectTimeoutSeconds * 1000): Promise<void> {
    if (this.closed) return Promise.reject(new CapstanError(ErrorCode.BackendUnavailable, `the SSH connection to ${this.options.host} was closed with its backend`, { path: this.path }));
    if (this.master !== undefined) return Promise.resolve();
    this.connecting ??= this.connectWithBackoff(deadline).finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  /** For a backend's probe(): connects, and says why it could not (the typed refusal's message), or undefined. */
  refusal(): Promise<string | undefined> {
    return this.connect().then(
      () => undefined,
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
  }

  private async connectWithBackoff(deadline: number): Promise<void> {
    for (;;) {
      try {
        await this.startMaster();
        this.backoffMs = FIRST_BACKOFF_MS;
        return;
      } catch (error) {
        const kind = error instanceof CapstanError ? error.details['kind'] : undefined;
        // Only a host that does not answer may come back; a refused key or host key stays refused.
        if (kind !== 'unreachable' || this.closed || Date.now() + this.backoffMs > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, this.backoffMs));
        this.backoffMs = Math.min(this.backoffMs * 2, MOST_BACKOFF_MS);
      }
    }
  }

  private startMaster(): Promise<void> {
    // A new socket name each time: one left by a killed master would make the next refuse to start.
    const socket = join(this.folder, `m${++this.generation}`);
    const child = spawn('ssh', [...this.common(), '-M', '-N', '-o', `ControlPath=${socket}`, '-o', 'ControlPersist=no', '--', this.options.host], {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4000)));
    return new Promise((resolve, reject) => {
      let settled = false;
      const check = async (): Promise<void> => {
        while (!settled) {
          const result = await this.local.run({ argv: ['ssh', '-F', '/dev/null', '-o', `ControlPath=${socket}`, '-O', 'check', 'capstan'], env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' }, timeoutMs: 5000 });
          if (settled) return;
          if (result.code === 0) {
            settled = true;
            this.master = child;
            this.socket = socket;
            return resolve();
          }
          await new Promise((wait) => setTimeout(wait, 50));
        }
      };
      const fail = (error: CapstanError): void => {
        if (settled) return;
        settled = true;
        reject(error);
      };
      child.on('error', (error) => fail(new CapstanError(ErrorCode.BackendUnavailable, `the ssh client could not be started (${error.message}): install openssh-client`, { path: this.path })));
      child.on('exit', () => {
        if (this.master === child) this.master = undefined;
        fail(sshFailure(stderr, this.options, this.path));
      });
      void check();
    });
  }

  async run(command: RunCommand): Promise<CommandResult> {
    const started = Date.now();
    try {
      await this.connect(started + command.timeoutMs);
    } catch (error) {
      return { code: null, stdout: '', stderr: '', failure: error instanceof Error ? error.message : String(error) };
    }
    const env = Object.entries(command.env).filter(([name]) => !REMOTE_OWN.has(name)).map(([name, value]) => `${name}=${value}`);
    const line = commandLine(env.length === 0 ? command.argv : ['env', ...env, ...command.argv]);
    // ControlMaster=no: a session on the master only; the master's socket gone, ssh would connect on its own, and
    // that connection is still held to the same strict options.
    const argv = ['ssh', ...this.common(), '-o', `ControlPath=${this.socket}`, '-o', 'ControlMaster=no', '--', this.options.host, line];
    const result = await this.local.run({ argv, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' }, timeoutMs: Math.max(100, command.timeoutMs - (Date.now() - started)) });
    // 255 is ssh's own failure, not the command's: a lost connection; the next command opens a new master.
    if (result.code === 255) {
      this.dropMaster();
      return { ...result, code: null, failure: `the SSH connection to ${this.options.host} failed: ${sshFailure(result.stderr, this.options, this.path).message}` };
    }
    return result;
  }

  private dropMaster(): void {
    const master = this.master;
    this.master = undefined;
    master?.kill('SIGTERM');
  }

  /** Closes the master connection and removes its folder; later commands fail. */
  close(): void {
    this.closed = true;
    this.dropMaster();
    rmSync(this.folder, { recursive: true, force: true });
  }
}
