import { type BackendEvent } from '@capstan/core-constraints';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProcessGroup, superviseProcessGroup } from './run-process-group';

describe('runProcessGroup (real processes)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capstan-process-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const spec = (script: string, extra: Partial<Parameters<typeof runProcessGroup>[0]> = {}) => ({
    program: 'sh',
    args: ['-c', script],
    cwd: dir,
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', GREETING: 'hi' },
    stdoutFile: join(dir, 'stdout'),
    stderrFile: join(dir, 'stderr'),
    graceMs: 500,
    ...extra,
  });

  it('streams stdout and stderr to files and events and reads the exit code', async () => {
    const events: BackendEvent[] = [];
    const outcome = await runProcessGroup(spec('echo "$GREETING out"; echo err >&2; exit 3'), new AbortController().signal, (e) => events.push(e));
    expect(outcome).toMatchObject({ exitCode: 3, endReason: 'exited', signal: null });
    expect(await readFile(join(dir, 'stdout'), 'utf8')).toBe('hi out\n');
    expect(await readFile(join(dir, 'stderr'), 'utf8')).toBe('err\n');
    const logs = events.filter((e) => e.type === 'log');
    expect(logs).toEqual(expect.arrayContaining([{ type: 'log', stream: 'stdout', text: 'hi out\n' }, { type: 'log', stream: 'stderr', text: 'err\n' }]));
  });

  it('tells the pid of the group leader once it runs', async () => {
    let spawned: number | undefined;
    let groupAlive = false;
    const onSpawn = (pid: number): void => {
      spawned = pid;
      try {
        process.kill(-pid, 0);
        groupAlive = true;
      } catch {
        groupAlive = false;
      }
    };
    const outcome = await runProcessGroup(spec('echo $$; sleep 0.2', { onSpawn }), new AbortController().signal, () => undefined);
    expect(outcome.exitCode).toBe(0);
    expect(groupAlive).toBe(true);
    expect(await readFile(join(dir, 'stdout'), 'utf8')).toBe(`${spawned}\n`);
  });

  it('writes large output whole, in order', async () => {
    const outcome = await runProcessGroup(spec('seq 1 200000'), new AbortController().signal, () => undefined);
    expect(outcome.exitCode).toBe(0);
    const text = await readFile(join(dir, 'stdout'), 'utf8');
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(200000);
    expect(lines[199999]).toBe('200000');
    expect((await stat(join(dir, 'stdout'))).size).toBe(text.length);
  });

  it('ends with reason timeout and kills the whole process group', async () => {
    const pidFile = join(dir, 'child.pid');
    const outcome = await runProcessGroup(spec(`sleep 30 & echo $! > ${pidFile}; wait`, { timeoutMs: 200 }), new AbortController().signal, () => undefined);
    expect(outcome.endReason).toBe('timeout');
    const childPid = Number((await readFile(pidFile, 'utf8')).trim());
    expect(isAlive(childPid)).toBe(false);
  });

  it('escalates to SIGKILL when the process ignores SIGTERM for the grace period', async () => {
    const started = Date.now();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const outcome = await runProcessGroup(spec("trap '' TERM; while :; do sleep 0.05; done", { graceMs: 300 }), controller.signal, () => undefined);
    expect(outcome.endReason).toBe('canceled');
    expect(outcome.exitCode).toBe(137);
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
  });

  it('kills what the command left running in its group when it exits', async () => {
    const pidFile = join(dir, 'bg.pid');
    const outcome = await runProcessGroup(spec(`sleep 30 >/dev/null 2>&1 & echo $! > ${pidFile}`), new AbortController().signal, () => undefined);
    expect(outcome.exitCode).toBe(0);
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(isAlive(pid)).toBe(false);
  });

  it('ends as an error, without crashing and without running the program, when the output file cannot be opened', async () => {
    const marker = join(dir, 'ran');
    const outcome = await runProcessGroup(spec(`touch ${marker}; exit 0`, { stdoutFile: join(dir, 'gone', 'stdout') }), new AbortController().signal, () => undefined);
    expect(outcome.endReason).toBe('error');
    expect(outcome.message).toContain("the task's output could not be written");
    expect(outcome.exitCode).toBeNull();
    await expect(stat(marker)).rejects.toThrow(/ENOENT/);
  });

  it('refuses a link or a FIFO put in an output file\'s place: the host neither writes through it nor blocks on it', async () => {
    const outside = join(dir, 'outside');
    await writeFile(outside, 'kept\n');
    await symlink(outside, join(dir, 'linked'));
    const linked = await runProcessGroup(spec('echo through-the-link', { stdoutFile: join(dir, 'linked') }), new AbortController().signal, () => undefined);
    expect(linked).toMatchObject({ endReason: 'error', exitCode: null });
    expect(linked.message).toMatch(/could not be written: .*ELOOP/);
    expect(await readFile(outside, 'utf8')).toBe('kept\n');

    execFileSync('mkfifo', [join(dir, 'fifo')]);
    const fifo = await runProcessGroup(spec('echo into-the-fifo', { stderrFile: join(dir, 'fifo') }), new AbortController().signal, () => undefined);
    expect(fifo).toMatchObject({ endReason: 'error', exitCode: null });
    expect(fifo.message).toMatch(/fifo is not a regular file|ENXIO/);
  });

  it('reports a program that cannot start as an error end', async () => {
    const outcome = await runProcessGroup({ ...spec(''), program: join(dir, 'missing-shell') }, new AbortController().signal, () => undefined);
    expect(outcome.endReason).toBe('error');
    expect(outcome.message).toContain('missing-shell');
  });

  it('does not start when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const outcome = await runProcessGroup(spec(`touch ${join(dir, 'ran')}`), controller.signal, () => undefined);
    expect(outcome.endReason).toBe('canceled');
    await expect(stat(join(dir, 'ran'))).rejects.toThrow();
  });
});

describe('superviseProcessGroup (a process started by the caller)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capstan-supervise-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const files = (): { stdoutFile: string; stderrFile: string; graceMs: number } => ({ stdoutFile: join(dir, 'stdout'), stderrFile: join(dir, 'stderr'), graceMs: 500 });

  it('takes over a child whose output its starter read and paused: only what comes after goes to the files', async () => {
    const child = spawn('sh', ['-c', 'echo before; read line; echo "after $line"; echo err >&2; exit 4'], { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    await new Promise<void>((resolve) =>
      child.stdout.once('data', () => {
        child.stdout.pause();
        resolve();
      }),
    );
    const events: BackendEvent[] = [];
    const outcome = await superviseProcessGroup(
      () => {
        child.stdin.end('go\n');
        return child;
      },
      'sh',
      files(),
      new AbortController().signal,
      (event) => events.push(event),
    );
    expect(outcome).toMatchObject({ exitCode: 4, endReason: 'exited' });
    expect(await readFile(join(dir, 'stdout'), 'utf8')).toBe('after go\n');
    expect(await readFile(join(dir, 'stderr'), 'utf8')).toBe('err\n');
    expect(events).toContainEqual({ type: 'log', stream: 'stdout', text: 'after go\n' });
  });

  it('stops the group of a handed-over child on cancel', async () => {
    const pidFile = join(dir, 'child.pid');
    const child = spawn('sh', ['-c', `sleep 30 & echo $! > ${pidFile}; wait`], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const outcome = await superviseProcessGroup(() => child, 'sh', files(), controller.signal, () => undefined);
    expect(outcome.endReason).toBe('canceled');
    expect(isAlive(Number((await readFile(pidFile, 'utf8')).trim()))).toBe(false);
  });

  it('reports a child that had already ended when handed over', async () => {
    const child = spawn('sh', ['-c', 'exit 7'], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise((resolve) => child.once('exit', resolve));
    const outcome = await superviseProcessGroup(() => child, 'sh', files(), new AbortController().signal, () => undefined);
    expect(outcome).toMatchObject({ exitCode: 7, endReason: 'exited' });
  });

  it('rejects when the starter fails, and never calls it when already aborted', async () => {
    await expect(superviseProcessGroup(() => { throw new Error('no process'); }, 'x', files(), new AbortController().signal, () => undefined)).rejects.toThrow('no process');
    const controller = new AbortController();
    controller.abort();
    let called = false;
    const outcome = await superviseProcessGroup(
      () => {
        called = true;
        throw new Error('called');
      },
      'x',
      files(),
      controller.signal,
      () => undefined,
    );
    expect(outcome.endReason).toBe('canceled');
    expect(called).toBe(false);
  });
});

function isAlive(pid: number): boolean {
  try {
    // A zombie still answers kill(0); ask ps for its state instead.
    const state = execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    return state !== '' && !state.startsWith('Z');
  } catch {
    return false;
  }
}
