import { BackendTestRun, strangerKey, TestSshd } from '@capstan/backend-test-kit';
import { type BackendEvent, CapstanError } from '@capstan/core-constraints';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchBackend } from './batch-backend';
import { type BatchBackendOptionsInput, parseBatchBackendOptions } from './batch-backend-options';
import { SshCommandRunner } from '@capstan/process-kit';

// The batch backend's commands over SSH to a real sshd on 127.0.0.1 (tools/engines/sshd.sh's keys, an instance of
// this file's own so that it can be stopped), driving the real Grid Engine cell of tools/engines/gridengine.sh.
const GE_ENV = { ...process.env, SGE_ROOT: '/var/lib/gridengine', SGE_CELL: 'default' };

describe('BatchBackend over SSH', () => {
  const sshd = new TestSshd();
  const run = new BackendTestRun('capstan-batch-ssh-', 'capstan-test/busybox:1');
  let folder: string;
  const open: Array<{ close(): void }> = [];
  beforeAll(() => sshd.setUp());
  afterAll(() => sshd.tearDown());
  beforeEach(async () => {
    await run.setUp();
    folder = await mkdtemp(join(tmpdir(), 'capstan-ssh-spec-'));
  });
  afterEach(async () => {
    for (const each of open.splice(0)) each.close();
    await run.tearDown();
    await rm(folder, { recursive: true, force: true });
  });

  function backend(options: BatchBackendOptionsInput = {}): BatchBackend {
    const made = new BatchBackend({ profile: 'gridengine', runtime: 'docker', pollIntervalMs: 200, graceSeconds: 2, ssh: sshd.options(), ...options }, GE_ENV);
    open.push(made);
    return made;
  }
  function runner(overrides: Parameters<TestSshd['options']>[0] = {}): SshCommandRunner {
    const made = new SshCommandRunner(sshd.options(overrides), 'batch.ssh');
    open.push(made);
    return made;
  }
  /** A job submitted over SSH, sshd stopped (the connection with it) once the job has started. */
  async function runningWhileSshdStops(options: BatchBackendOptionsInput, command: string) {
    const instance = backend(options);
    const request = await run.request(instance, { command });
    const events: BackendEvent[] = [];
    const pending = instance.execute(request, new AbortController().signal, (event) => events.push(event));
    await waitFor(() => events.some((event) => event.type === 'started'));
    await sshd.stop();
    return { request, pending };
  }
  const refusal = (instance: SshCommandRunner): Promise<CapstanError> => instance.connect(Date.now() + 2000).then(() => { throw new Error('connected'); }, (error: CapstanError) => error);

  it('runs tasks end to end, every command a session of one connection, one status call per poll', async () => {
    const folders = (): string[] => readdirSync(tmpdir()).filter((name) => /^capstan-ssh-[A-Za-z0-9]{6}$/.test(name));
    const foldersBefore = folders();
    const instance = backend();
    const [mine] = folders().filter((name) => !foldersBefore.includes(name));
    expect(statSync(join(tmpdir(), String(mine))).mode & 0o777).toBe(0o700);
    const before = await sshd.connections();
    const sessionsBefore = await sshd.count('Starting session');
    const requests = await Promise.all([1, 2, 3].map((n) => run.request(instance, { command: `sleep 1; echo over ssh ${n}` })));
    const results = await Promise.all(requests.map((request) => instance.execute(request, new AbortController().signal, () => undefined)));
    expect(results.map((result) => [result.exitCode, result.endReason])).toEqual([[0, 'exited'], [0, 'exited'], [0, 'exited']]);
    expect(await Promise.all(requests.map((request) => readFile(request.paths.stdoutFile, 'utf8')))).toEqual(['over ssh 1\n', 'over ssh 2\n', 'over ssh 3\n']);
    expect(await sshd.connections()).toBe(before + 1);
    const counts = instance.commandCounts();
    expect(counts).toMatchObject({ qsub: 3, qstat: instance.monitorStatistics().polls });
    expect(await sshd.count('Starting session')).toBe(sessionsBefore + Object.values(counts).reduce((sum, n) => sum + n, 0));
    const disconnects = await sshd.count('Disconnected from user');
    instance.close();
    await waitForAsync(async () => (await sshd.count('Disconnected from user')) > disconnects);
    expect(folders()).not.toContain(mine);
    expect(instance.monitorStatistics().mostJobsInOnePoll).toBeGreaterThan(1);
  }, 90_000);

  // 30 s: two logins over ssh on a machine loaded 20 times over its 2 cores took more than jest's default 5 s.
  it('passes hostile words and values to the remote side as data, never as shell syntax', async () => {
    const marker = join(folder, 'injected');
    const words = ['a;touch ' + marker, `$(touch ${marker})`, `\`touch ${marker}\``, "it's \"quoted\"", 'line one\nline two', '*', '-n', ''];
    const result = await runner().run({ argv: ['printf', '[%s]\\n', ...words], env: { CAPSTAN_SSH_HOSTILE: `$(touch ${marker});'` }, timeoutMs: 10_000 });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(words.map((word) => `[${word}]\n`).join(''));
    const env = await runner().run({ argv: ['sh', '-c', 'printf %s "$CAPSTAN_SSH_HOSTILE"'], env: { CAPSTAN_SSH_HOSTILE: `$(touch ${marker});'` }, timeoutMs: 10_000 });
    expect(env.stdout).toBe(`$(touch ${marker});'`);
    expect(existsSync(marker)).toBe(false);
  }, 30_000);

  it('kills a command that runs past its time, and the connection serves the next one', async () => {
    const instance = runner();
    const started = Date.now();
    const slow = await instance.run({ argv: ['sleep', '10'], env: {}, timeoutMs: 1000 });
    expect(slow).toMatchObject({ code: null });
    expect(slow.failure).toContain('did not answer within');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await instance.run({ argv: ['echo', 'still here'], env: {}, timeoutMs: 10_000 })).toMatchObject({ code: 0, stdout: 'still here\n' });
  });

  it('refuses a login node whose host key is not the known one, typed, naming knownHostsFile', async () => {
    const { publicKey } = await strangerKey(folder);
    const knownHostsFile = join(folder, 'known_hosts');
    await writeFile(knownHostsFile, `[127.0.0.1]:${sshd.port} ${publicKey}\n`);
    const error = await refusal(runner({ knownHostsFile }));
    expect(error).toBeInstanceOf(CapstanError);
    expect(error).toMatchObject({ code: 'backend.unavailable', path: 'batch.ssh.knownHostsFile', details: { kind: 'host-key-mismatch' } });
    const probe = await backend({ ssh: sshd.options({ knownHostsFile }) }).probe();
    expect(probe).toMatchObject({ available: false });
    expect(probe.problems[0]).toContain('batch.ssh.knownHostsFile');
  });

  it('names the key when the login is refused, and the host and port when nothing answers', async () => {
    const { key } = await strangerKey(folder);
    expect(await refusal(runner({ identityFile: key }))).toMatchObject({ path: 'batch.ssh.identityFile', details: { kind: 'auth-refused' } });
    const closedPort = await refusal(runner({ port: 1 }));
    expect(closedPort).toMatchObject({ path: 'batch.ssh.host', details: { kind: 'unreachable' } });
    expect(closedPort.message).toContain('batch.ssh.port');
    const result = await runner({ port: 1 }).run({ argv: ['true'], env: {}, timeoutMs: 1000 });
    expect(result).toMatchObject({ code: null });
    expect(result.failure).toContain('does not answer over SSH');
  });

  it('reconnects when sshd stops mid-run and comes back; the job still ends as it did', async () => {
    const before = await sshd.connections();
    const { request, pending } = await runningWhileSshdStops({ commandTimeoutMs: 4000, statusRetries: 30 }, 'sleep 3; echo survived');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await sshd.start();
    const result = await pending;
    expect(result).toMatchObject({ exitCode: 0, endReason: 'exited' });
    expect(await readFile(request.paths.stdoutFile, 'utf8')).toBe('survived\n');
    // The first connection, and one more once sshd was back: failed attempts in between log no login.
    expect(await sshd.connections()).toBe(before + 2);
  }, 60_000);

  it('never calls a job done whose state could not be read: sshd gone for good, the job is lost', async () => {
    // 10 s a command: a submit over a fresh connection took more than 1 s at load 20 and more than 3 s at load 38;
    // with sshd gone, each status call fails at once (connection refused), so this does not lengthen the test.
    const { pending } = await runningWhileSshdStops({ commandTimeoutMs: 10_000, statusRetries: 3 }, 'sleep 2');
    try {
      expect(await pending).toMatchObject({ endReason: 'lost', exitCode: null });
    } finally {
      await sshd.start();
    }
  }, 60_000);

  it('refuses a batch.ssh section that is not one, naming the field', () => {
    const parse = (ssh: unknown) => () => parseBatchBackendOptions({ ssh });
    expect(parse({ host: '-oProxyCommand=touch /tmp/x', user: 'root', identityFile: '/k', knownHostsFile: '/h' })).toThrow(expect.objectContaining({ path: 'batch.ssh.host' }));
    expect(parse({ host: 'login', user: 'root', identityFile: 'id_ed25519', knownHostsFile: '/h' })).toThrow(expect.objectContaining({ path: 'batch.ssh.identityFile' }));
    expect(parse({ host: 'login', user: 'root;id', identityFile: '/k', knownHostsFile: '/h' })).toThrow(expect.objectContaining({ path: 'batch.ssh.user' }));
    expect(parse({ host: 'login', user: 'root', identityFile: '/k', knownHostsFile: '/h', strictHostKeyChecking: 'no' })).toThrow(expect.objectContaining({ path: 'batch.ssh' }));
  });
});

async function waitFor(condition: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function waitForAsync(condition: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
