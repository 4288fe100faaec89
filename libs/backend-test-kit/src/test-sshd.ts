import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What a scheduler backend's `ssh` section holds (process-kit's SshOptions), as a test hands it over. */
export interface TestSshOptions {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly identityFile: string;
  readonly knownHostsFile: string;
  readonly connectTimeoutSeconds: number;
}

/** The keys and config of tools/engines/sshd.sh. */
export const SSHD_STATE = '/var/lib/capstan/sshd';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/**
 * An sshd of one test file's own, on a free loopback port, from tools/engines/sshd.sh's config and keys: it can be
 * stopped and started again without touching the one other tests share, and its log counts this file's connections.
 */
export class TestSshd {
  private child: ChildProcess | undefined;
  private folder = '';
  port = 0;

  get log(): string {
    return join(this.folder, 'sshd.log');
  }

  get knownHostsFile(): string {
    return join(this.folder, 'known_hosts');
  }

  options(overrides: Partial<TestSshOptions> = {}): TestSshOptions {
    return { host: '127.0.0.1', port: this.port, user: 'root', identityFile: join(SSHD_STATE, 'client_key'), knownHostsFile: this.knownHostsFile, connectTimeoutSeconds: 5, ...overrides };
  }

  async setUp(): Promise<void> {
    this.folder = await mkdtemp(join(tmpdir(), 'capstan-ssh-sshd-'));
    this.port = await freePort();
    const hostKey = readFileSync(join(SSHD_STATE, 'host_ed25519_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
    await writeFile(this.knownHostsFile, `[127.0.0.1]:${this.port} ${hostKey}\n`);
    await this.start();
  }

  async start(): Promise<void> {
    this.child = spawn('/usr/sbin/sshd', ['-D', '-f', join(SSHD_STATE, 'sshd_config'), '-o', `Port=${this.port}`, '-o', `PidFile=${join(this.folder, 'sshd.pid')}`, '-E', this.log], { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const up = await new Promise<boolean>((resolve) => {
        const probe = createServer();
        probe.once('error', () => resolve(true));
        probe.listen(this.port, '127.0.0.1', () => probe.close(() => resolve(false)));
      });
      if (up) return;
      if (Date.now() > deadline || this.child.exitCode !== null) throw new Error(`the test sshd did not listen on ${this.port}: ${await readFile(this.log, 'utf8').catch(() => '')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Stops the listener and every connection it serves (each runs in a session of its own, so not by group). */
  async stop(): Promise<void> {
    const pid = this.child?.pid;
    if (pid === undefined || this.child?.exitCode !== null) return;
    for (const entry of readdirSync('/proc')) {
      if (!/^[0-9]+$/.test(entry)) continue;
      const stat = (() => {
        try {
          return readFileSync(`/proc/${entry}/stat`, 'utf8');
        } catch {
          return '';
        }
      })();
      if (stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] === String(pid)) process.kill(Number(entry), 'SIGKILL');
    }
    const exited = new Promise((resolve) => this.child?.once('exit', resolve));
    this.child?.kill('SIGKILL');
    await exited;
  }

  /** Connections it accepted: one "Accepted publickey" line each. */
  connections(): Promise<number> {
    return this.count('Accepted publickey');
  }

  /** Lines of its log that hold the words. */
  async count(words: string): Promise<number> {
    return (await readFile(this.log, 'utf8').catch(() => '')).split('\n').filter((line) => line.includes(words)).length;
  }

  async tearDown(): Promise<void> {
    await this.stop();
    await rm(this.folder, { recursive: true, force: true });
  }
}

/** A key pair no server knows: for a refused login, or (its public half) a host key that is not the server's. */
export async function strangerKey(folder: string): Promise<{ key: string; publicKey: string }> {
  const key = join(folder, 'stranger');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  return { key, publicKey: (await readFile(`${key}.pub`, 'utf8')).split(' ').slice(0, 2).join(' ') };
}
