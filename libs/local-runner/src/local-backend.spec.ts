import { type AttemptPaths, type BackendEvent, type ExecutionRequest, parseTask, resolveConstraints } from '@capstan/core-constraints';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalBackend } from './local-backend';

describe('LocalBackend (real processes)', () => {
  let dir: string;
  let paths: AttemptPaths;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capstan-local-'));
    paths = { root: join(dir, 'attempt'), commandFile: join(dir, 'attempt', 'command'), workDir: join(dir, 'attempt', 'work'), stdoutFile: join(dir, 'attempt', 'stdout'), stderrFile: join(dir, 'attempt', 'stderr') };
    await mkdir(paths.workDir, { recursive: true });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const backend = new LocalBackend({ graceSeconds: 0.2 }, { cpus: 2, memoryBytes: 4 * 1024 ** 3 }, { PATH: process.env['PATH'], HOME: '/home/someone', SECRET_TOKEN: 'do-not-pass' });

  async function request(command: string, extra: Partial<ExecutionRequest> = {}): Promise<ExecutionRequest> {
    await writeFile(paths.commandFile, command);
    const task = parseTask({ name: 't', command });
    const capacity = await backend.capacity();
    const { constraints } = resolveConstraints(task.requirements, task.hints, capacity, { backendName: 'local' });
    return { runId: 'r', taskName: 't', attemptName: 't-1', attempt: 1, shell: 'sh', paths, inputs: [], env: {}, constraints, labels: {}, ...extra };
  }

  it('reports the host as its capacity, accepts every kind of container and says it runs none', async () => {
    const capacity = await backend.capacity();
    expect(capacity.total).toEqual({ cpu: 2, memory: 4 * 1024 ** 3, gpu: 0 });
    expect(capacity.perTaskMax).toEqual(capacity.total);
    expect(backend.capabilities.runsContainers).toBe(false);
    expect(backend.capabilities.enforcesMemoryLimit).toBe(false);
    expect((await backend.probe()).available).toBe(true);
  });

  it('runs the command file with the shell in the work folder, with only the passed and task variables', async () => {
    const result = await backend.execute(
      await request('pwd; echo "home=$HOME secret=${SECRET_TOKEN:-unset} mine=$MINE root=$CAPSTAN_TASK_ROOT"; exit 4', { env: { MINE: 'yes' } }),
      new AbortController().signal,
      () => undefined,
    );
    expect(result).toMatchObject({ exitCode: 4, endReason: 'exited' });
    const [cwd, vars] = (await readFile(paths.stdoutFile, 'utf8')).trimEnd().split('\n');
    expect(cwd).toBe(paths.workDir);
    expect(vars).toBe(`home=/home/someone secret=unset mine=yes root=${paths.root}`);
  });

  it('places inputs declared under /mnt/task below the attempt folder, as the container layout does', async () => {
    const source = join(dir, 'reads.fq');
    await writeFile(source, '@r1\nACGT\n');
    const result = await backend.execute(
      await request('cat ../inputs/reads.fq', { inputs: [{ hostPath: source, guestPath: '/mnt/task/inputs/reads.fq', type: 'file' }] }),
      new AbortController().signal,
      () => undefined,
    );
    expect(result.exitCode).toBe(0);
    expect(await readFile(paths.stdoutFile, 'utf8')).toBe('@r1\nACGT\n');
  });

  it('refuses a missing input before running anything', async () => {
    await expect(
      backend.execute(
        await request(`touch ${join(dir, 'ran')}`, { inputs: [{ hostPath: join(dir, 'absent'), guestPath: '/mnt/task/inputs/absent', type: 'file' }] }),
        new AbortController().signal,
        () => undefined,
      ),
    ).rejects.toMatchObject({ code: 'value.invalid' });
    await expect(readFile(join(dir, 'ran'))).rejects.toThrow();
  });

  it('warns that an input outside /mnt/task cannot be placed', async () => {
    const source = join(dir, 'ref.fa');
    await writeFile(source, '>x\n');
    const warnings: string[] = [];
    await backend.execute(
      await request('true', { inputs: [{ hostPath: source, guestPath: '/data/ref.fa', type: 'file' }] }),
      new AbortController().signal,
      (event) => event.type === 'warning' && warnings.push(event.message),
    );
    expect(warnings.join()).toContain('/data/ref.fa');
  });

  it('ends a task past its timeout with reason timeout', async () => {
    const result = await backend.execute(await request('sleep 20', { timeoutMs: 150 }), new AbortController().signal, () => undefined);
    expect(result.endReason).toBe('timeout');
  });

  it('ends a canceled task with reason canceled', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const result = await backend.execute(await request('sleep 20'), controller.signal, () => undefined);
    expect(result.endReason).toBe('canceled');
  });

  describe("the command's start (the contract's started event)", () => {
    const recorded = async (command: string, extra: Partial<ExecutionRequest> = {}, signal = new AbortController().signal) => {
      const events: BackendEvent[] = [];
      const result = await backend.execute(await request(command, { usageIntervalMs: 100, ...extra }), signal, (event) => events.push(event));
      return { result, events, started: events.filter((event) => event.type === 'started') };
    };

    it('reports it once, named by the attempt, before any output or usage reading of the command', async () => {
      const { result, events, started } = await recorded('echo first; sleep 0.5; echo last');
      expect(result).toMatchObject({ exitCode: 0, endReason: 'exited' });
      expect(started).toEqual([{ type: 'started', id: 't-1' }]);
      expect(events.filter((event) => event.type !== 'warning')[0]).toEqual(started[0]);
      expect(events.some((event) => event.type === 'usage')).toBe(true);
    });

    it('hostile: a command that kills its own shell at once, or leaves a child holding its output, is still reported started once', async () => {
      for (const command of ['kill -9 $$', '(sleep 3 &) ; exit 0']) {
        const { result, started } = await recorded(command);
        expect(result.endReason).toBe('exited');
        expect(started).toHaveLength(1);
      }
    });

    it('fault: never reports a start for a shell that cannot be spawned, a run canceled before it, or a missing input', async () => {
      const missingShell = await recorded('true', { shell: join(dir, 'no-such-shell') });
      expect(missingShell.result.endReason).toBe('error');
      expect(missingShell.started).toEqual([]);
      const aborted = new AbortController();
      aborted.abort();
      const canceled = await recorded('true', {}, aborted.signal);
      expect(canceled.result.endReason).toBe('canceled');
      expect(canceled.started).toEqual([]);
      const events: BackendEvent[] = [];
      const missingInput = backend.execute(await request('true', { inputs: [{ hostPath: join(dir, 'absent'), guestPath: '/mnt/task/x', type: 'file' }] }), new AbortController().signal, (event) => events.push(event));
      await expect(missingInput).rejects.toMatchObject({ code: 'value.invalid' });
      expect(events).toEqual([]);
    });
  });

  describe('resource usage', () => {
    it('declares usage sampled, emits readings while the group runs and sums them in the result', async () => {
      expect(backend.capabilities.usage).toBe('sampled');
      const events: BackendEvent[] = [];
      const result = await backend.execute(await request('dd if=/dev/zero bs=100M count=1 2>/dev/null | sleep 2', { usageIntervalMs: 300 }), new AbortController().signal, (event) => events.push(event));
      expect(result).toMatchObject({ exitCode: 0, endReason: 'exited' });
      expect(events.filter((event) => event.type === 'usage').length).toBeGreaterThanOrEqual(3);
      expect(result.usage?.peakMemoryBytes).toBeGreaterThanOrEqual(100 * 1024 * 1024);
      expect(result.usage?.samples).toBeGreaterThanOrEqual(3);
      expect(result.usage?.partial).toBeUndefined();
    });

    it('reports no figures, marked partial, for a command that ends before the first reading', async () => {
      const result = await backend.execute(await request('exit 0', { usageIntervalMs: 5_000 }), new AbortController().signal, () => undefined);
      expect(result.usage).toEqual({ samples: 0, partial: 'the attempt ended before its first usage reading' });
    });

    it('reads nothing while it runs with the interval at 0', async () => {
      const events: BackendEvent[] = [];
      const result = await backend.execute(await request('sleep 1', { usageIntervalMs: 0 }), new AbortController().signal, (event) => events.push(event));
      expect(events.filter((event) => event.type === 'usage')).toEqual([]);
      expect(result.usage?.samples).toBe(0);
    });
  });
});
