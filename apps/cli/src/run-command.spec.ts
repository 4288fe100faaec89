import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCli, capstan, containersWithLabel, execFileAsync, startCapstan, until } from './testing/cli-harness';

const IMAGE = 'capstan-test/busybox:1';

interface Summary {
  type: 'summary';
  results: Array<{ taskName: string; state: string; exitCode: number | null; endReason: string | null; outputs: Array<{ path: string; sizeBytes: number }>; folder: string; attempts: unknown[] }>;
}

function summaryOf(ndjson: string): Summary {
  const lines = ndjson.trim().split('\n').map((line) => JSON.parse(line) as { type: string });
  const summary = lines[lines.length - 1] as Summary;
  expect(summary.type).toBe('summary');
  return summary;
}

describe('capstan run (the built CLI against the real Docker daemon)', () => {
  jest.setTimeout(120_000);
  let dir: string;
  beforeAll(buildCli, 60_000);
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capstan-run-'));
    await chmod(dir, 0o755);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function taskFile(name: string, body: Record<string, unknown>): Promise<string> {
    const file = join(dir, `${name}.json`);
    await writeFile(file, JSON.stringify({ name, ...body }));
    return file;
  }

  it('runs the example task in a container end to end, with human progress and a summary', async () => {
    const result = await capstan(['run', 'examples/hello.yaml', '--backend', 'docker', '--work-root', dir]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('[hello] running attempt 1');
    expect(result.stdout).toContain('[hello] succeeded: exit 0');
    expect(result.stdout).toMatch(/Summary:\n\s+hello\s+succeeded\s+exit 0\s+exited/);
    expect(result.stdout).toContain('greeting.txt (17 B)');
  });

  it('prints the event stream as NDJSON, passes the task\'s exit code through, and keeps attempts apart', async () => {
    const file = await taskFile('flaky', { command: 'echo attempt; exit 3', requirements: { container: IMAGE, max_retries: 1 }, hints: { shell: 'sh' } });
    const result = await capstan(['run', file, '--backend', 'docker', '--work-root', dir, '--json']);
    expect(result.code).toBe(3);
    const types = result.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { type: string }).type);
    expect(types[0]).toBe('resolved');
    expect(types.filter((type) => type === 'attempt-started')).toHaveLength(2);
    const summary = summaryOf(result.stdout);
    expect(summary.results[0]).toMatchObject({ taskName: 'flaky', state: 'failed', exitCode: 3, endReason: 'exited' });
    expect(summary.results[0]?.attempts).toHaveLength(2);
    for (const attempt of ['1', '2']) {
      expect(await readFile(join(summary.results[0]?.folder ?? '', 'attempts', attempt, 'stdout'), 'utf8')).toBe('attempt\n');
    }
  });

  it('runs the quick form with arguments passed as given', async () => {
    const result = await capstan(['run', '--backend', 'docker', '--work-root', dir, '--shell', 'sh', '--image', IMAGE, '--memory', '64 MiB', '--json', '--', 'sh', '-c', 'echo "$0 and $1"', 'it is', "it's"]);
    expect(result.code).toBe(0);
    const folder = summaryOf(result.stdout).results[0]?.folder ?? '';
    expect(await readFile(join(folder, 'attempts', '1', 'stdout'), 'utf8')).toBe("it is and it's\n");
  });

  it('queues several task files on the shared resource manager and runs them all', async () => {
    const files = await Promise.all(
      ['one', 'two', 'three'].map((name) => taskFile(name, { command: `echo ${name} > out.txt`, requirements: { container: IMAGE, cpu: 2, memory: '32 MiB' }, hints: { shell: 'sh' }, outputs: ['out.txt'] })),
    );
    const result = await capstan(['run', ...files, '--backend', 'docker', '--work-root', dir, '--json']);
    expect(result.code).toBe(0);
    const events = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; taskName: string });
    expect(events.filter((event) => event.type === 'queued').length).toBeGreaterThanOrEqual(1);
    const summary = summaryOf(result.stdout);
    expect(summary.results.map((r) => [r.taskName, r.state, r.outputs.map((o) => o.sizeBytes)])).toEqual([
      ['one', 'succeeded', [4]],
      ['two', 'succeeded', [4]],
      ['three', 'succeeded', [6]],
    ]);
  });

  it('stops gracefully on the first Ctrl-C, exits 130 and leaves no container behind', async () => {
    const marker = `ctrl-c-${Date.now()}`;
    const file = await taskFile(marker, { command: 'echo started; sleep 300', requirements: { container: IMAGE }, hints: { shell: 'sh' } });
    const run = startCapstan(['run', file, '--backend', 'docker', '--work-root', dir]);
    await until(() => run.output().stdout.includes('running attempt 1'), 60_000, 'the task to start');
    await until(async () => (await containersWithLabel(`io.capstan.task=${marker}`)).length === 1, 30_000, 'the container to exist');
    run.child.kill('SIGINT');
    const { code } = await run.exited;
    expect(code).toBe(130);
    expect(run.output().stderr).toContain('stopping: no new task starts');
    expect(await containersWithLabel(`io.capstan.task=${marker}`)).toEqual([]);
  });

  it('kills at once on the second Ctrl-C, even when the task ignores SIGTERM', async () => {
    const marker = `ctrl-c-twice-${Date.now()}`;
    const file = await taskFile(marker, { command: "trap '' TERM; echo started; while :; do sleep 1; done", requirements: { container: IMAGE }, hints: { shell: 'sh' } });
    const run = startCapstan(['run', file, '--backend', 'docker', '--work-root', dir]);
    await until(() => run.output().stdout.includes('running attempt 1'), 60_000, 'the task to start');
    await until(async () => (await containersWithLabel(`io.capstan.task=${marker}`)).length === 1, 30_000, 'the container to exist');
    run.child.kill('SIGINT');
    await new Promise((resolveWait) => setTimeout(resolveWait, 500));
    const interrupted = Date.now();
    run.child.kill('SIGINT');
    const { code } = await run.exited;
    expect(Date.now() - interrupted).toBeLessThan(8_000);
    expect(code).toBe(130);
    expect(await containersWithLabel(`io.capstan.task=${marker}`)).toEqual([]);
  });

  it('removes the container of a killed Capstan process with capstan cleanup, and prints it', async () => {
    const marker = `orphan-${Date.now()}`;
    const file = await taskFile(marker, { command: 'sleep 300', requirements: { container: IMAGE }, hints: { shell: 'sh' } });
    const run = startCapstan(['run', file, '--backend', 'docker', '--work-root', dir]);
    await until(async () => (await containersWithLabel(`io.capstan.task=${marker}`)).length === 1, 60_000, 'the container to exist');
    run.child.kill('SIGKILL');
    await run.exited;
    const [orphan] = await containersWithLabel(`io.capstan.task=${marker}`);
    expect(orphan).toBeDefined();
    const cleanup = await capstan(['cleanup', '--backend', 'docker']);
    expect(cleanup.code).toBe(0);
    expect(cleanup.stdout).toMatch(new RegExp(`removed docker ${marker}-[a-z0-9]{12} \\(${orphan}`));
    expect(await containersWithLabel(`io.capstan.task=${marker}`)).toEqual([]);
  });

  it('gives a typed error naming the socket when no daemon answers', async () => {
    const result = await capstan(['run', 'examples/hello.yaml', '--backend', 'docker', '--work-root', dir, '--json'], { env: { ...process.env, DOCKER_HOST: `unix://${join(dir, 'no-daemon.sock')}` } });
    expect(result.code).toBe(69);
    const { error } = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as { error: { code: string; message: string } };
    expect(error.message).toContain(join(dir, 'no-daemon.sock'));
  });

  it('falls back to local under auto when no container engine answers, and says why it passed each over', async () => {
    const env = {
      ...process.env,
      CAPSTAN_DOCKER__SOCKET_PATH: join(dir, 'no-docker.sock'),
      CAPSTAN_PODMAN__SOCKET_PATH: join(dir, 'no-podman.sock'),
      CAPSTAN_APPTAINER__BINARY: join(dir, 'no-apptainer'),
    };
    const result = await capstan(['run', '--image', IMAGE, '--shell', 'sh', '--work-root', dir, '--', 'echo', 'on the host'], { env });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/backend docker: passed over \(.*no-docker\.sock/);
    expect(result.stderr).toMatch(/backend podman: passed over/);
    expect(result.stderr).toMatch(/backend apptainer: passed over/);
    expect(result.stderr).toContain('backend local: no container engine answered');
    expect(result.stdout).toContain('runs the command on the host');
  });

  it('runs many tasks at once without a listener-leak warning on the run\'s shared cancel signals', async () => {
    const files = await Promise.all(Array.from({ length: 15 }, (_, i) => taskFile(`many-${i}`, { command: 'sleep 0.3', requirements: { cpu: 0.1, memory: '10 MiB' } })));
    const result = await capstan(['run', ...files, '--backend', 'local', '--work-root', dir]);
    expect(result.code).toBe(0);
    expect(result.stdout.match(/succeeded: exit 0/g)).toHaveLength(15);
    expect(result.stderr).not.toContain('MaxListenersExceededWarning');
  });

  it('reports every backend in capstan doctor', async () => {
    const result = await capstan(['doctor']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^docker: available \(/m);
    expect(result.stdout).toMatch(/^local: available/m);
    expect(result.stdout).toContain('Configured backend: auto -> docker');
  });
});

describe('outputs belong to the user who runs Capstan (a non-root user, real daemon)', () => {
  jest.setTimeout(120_000);
  const asRoot = process.getuid?.() === 0;
  let user: { uid: number; gid: number } | undefined;
  let dir: string;

  beforeAll(async () => {
    await buildCli();
    if (!asRoot) return;
    const { stdout } = await execFileAsync('id', ['-u', 'capstan-runner']).catch(() => ({ stdout: '' }));
    if (stdout.trim() === '') throw new Error('the test user capstan-runner is missing: run bash tools/engines/test-user.sh (tools/test-all.sh does)');
    const uid = Number(stdout.trim());
    user = { uid, gid: Number((await execFileAsync('id', ['-g', 'capstan-runner'])).stdout.trim()) };
  }, 60_000);
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capstan-owner-'));
    await chmod(dir, 0o755);
    if (user) await execFileAsync('chown', [`${user.uid}:${user.gid}`, dir]);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function ownersAfterRun(extraEnv: Record<string, string>): Promise<Set<number>> {
    if (!user) throw new Error('needs root to act as another user');
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, ...extraEnv };
    const command = ['run', '--backend', 'docker', '--work-root', join(dir, 'runs'), '--shell', 'sh', '--image', IMAGE, '--json', '--', 'sh', '-c', 'mkdir -p deep/er && echo x > deep/er/file && echo y > top'];
    const result = await capstan(command, { env, uid: user.uid, gid: user.gid, cwd: dir });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const folder = summaryOf(result.stdout).results[0]?.folder ?? '';
    const work = join(folder, 'attempts', '1', 'work');
    const owners = new Set<number>();
    for (const path of [work, join(work, 'deep'), join(work, 'deep', 'er'), join(work, 'deep', 'er', 'file'), join(work, 'top')]) owners.add((await stat(path)).uid);
    return owners;
  }

  (asRoot ? it : it.skip)('runs the container as the invoking user (user: auto), so no repair is needed', async () => {
    expect(await ownersAfterRun({})).toEqual(new Set([user?.uid]));
  });

  (asRoot ? it : it.skip)('hands back files a root container wrote (user: root), without any registry', async () => {
    expect(await ownersAfterRun({ CAPSTAN_DOCKER__USER: 'root' })).toEqual(new Set([user?.uid]));
  });
});
