import { BackendRegistry, CapstanError, ErrorCode, type ExecutionRequest, parseTask, type Task } from '@capstan/core-constraints';
import { NameGenerator } from '@capstan/naming';
import { ResourceLedger } from '@capstan/resource-manager';
import { until } from '@capstan/support/testing';
import { getEventListeners } from 'node:events';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import { DEFAULT_ENGINE_OPTIONS, type EngineOptions } from './engine-options';
import { TaskEngine } from './engine';
import { type EngineEvent } from './events/engine-event';
import { FakeBackend, untilAborted } from './testing/fake-backend';

const GIB = 1024 ** 3;

function task(overrides: Record<string, unknown> = {}): Task {
  return parseTask({ name: 'align reads', command: 'echo hi', requirements: { container: 'ubuntu:22.04', cpu: 1, memory: '1 GiB' }, ...overrides });
}

describe('TaskEngine', () => {
  let workRoot: string;
  beforeEach(async () => {
    workRoot = await mkdtemp(join(tmpdir(), 'capstan-engine-'));
  });
  afterEach(async () => {
    await rm(workRoot, { recursive: true, force: true });
  });

  function engineWith(backend: FakeBackend, ledger = new ResourceLedger({ capacity: { cpu: 4, memory: 8 * GIB, gpu: 0 } }), options: Partial<EngineOptions> = {}) {
    const engine = new TaskEngine(new BackendRegistry([backend]), ledger, new NameGenerator(), {
      ...DEFAULT_ENGINE_OPTIONS,
      backend: backend.name,
      workRoot,
      ...options,
    });
    return { engine, ledger };
  }

  async function collect(engine: TaskEngine, work: () => Promise<unknown>): Promise<EngineEvent[]> {
    const events: EngineEvent[] = [];
    const stream = engine.events();
    const reading = (async () => {
      for await (const event of stream) events.push(event);
    })();
    await work();
    engine.close();
    await reading;
    return events;
  }

  it('runs a task to success, in an attempt folder holding command, work, stdout and stderr', async () => {
    const backend = new FakeBackend('fake', () => Promise.resolve({ exitCode: 0 }));
    const { engine } = engineWith(backend);
    const result = await engine.run(task());
    expect(result.state).toBe('succeeded');
    expect(result.exitCode).toBe(0);
    expect(result.endReason).toBe('exited');
    expect(result.attempts).toHaveLength(1);
    const folder = result.attempts[0]?.folder ?? '';
    expect(folder).toBe(join(engine.runFolder, result.uniqueName, 'attempts', '1'));
    expect(engine.runFolder).toMatch(new RegExp(`^${workRoot}/[0-9]{8}T[0-9]{6}Z-${engine.runId}$`));
    expect((await readdir(folder)).sort()).toEqual(['command', 'stderr', 'stdout', 'work']);
    expect(await readFile(join(folder, 'command'), 'utf8')).toBe('echo hi\n');
    expect((await stat(join(folder, 'work'))).isDirectory()).toBe(true);
    const request = backend.requests[0] as ExecutionRequest;
    expect(request.shell).toBe('bash');
    expect(request.constraints.cpu).toBe(1);
    expect(request.constraints.memory).toBe(GIB);
    expect(request.labels['io.capstan.run-id']).toBe(engine.runId);
    expect(request.labels['io.capstan.task']).toBe('align reads');
    expect(result.uniqueName).toMatch(/^align-reads-[a-z0-9]{12}$/);
  });

  it('resolves a relative work root and output folder against the working folder: backends get host paths a container can bind', async () => {
    const backend = new FakeBackend('fake', () => Promise.resolve({ exitCode: 0 }));
    const { engine } = engineWith(backend, undefined, { workRoot: relative(process.cwd(), workRoot), outputDir: relative(process.cwd(), join(workRoot, 'out')) });
    const result = await engine.run(task());
    engine.close();
    expect(engine.runFolder).toMatch(new RegExp(`^${workRoot}/[0-9]{8}T[0-9]{6}Z-${engine.runId}$`));
    expect(engine.outputRoot).toBe(join(workRoot, 'out'));
    expect(backend.requests[0]?.paths.workDir).toBe(join(result.folder, 'attempts', '1', 'work'));
    expect(isAbsolute(result.folder)).toBe(true);
  });

  it("gives one task's events to its onEvent alone, in order, and runs afterAdmission between admission and the attempt", async () => {
    const backend = new FakeBackend('fake', () => Promise.resolve({ exitCode: 0 }));
    const { engine } = engineWith(backend);
    const seen: string[] = [];
    const other = engine.run(task({ name: 'other' }));
    const result = await engine.run(task(), {
      onEvent: (event) => seen.push(`${event.taskName}:${event.type}`),
      afterAdmission: () => {
        seen.push(`hook:${backend.requests.length}`);
        return Promise.resolve();
      },
    });
    await other;
    expect(result.state).toBe('succeeded');
    expect(seen.every((entry) => !entry.startsWith('other'))).toBe(true);
    expect(seen.indexOf('align reads:admitted')).toBeLessThan(seen.indexOf('hook:0'));
    expect(seen.indexOf('hook:0')).toBeLessThan(seen.indexOf('align reads:attempt-started'));
    expect(seen[seen.length - 1]).toBe('align reads:finished');
  });

  it('fails the task without an attempt when afterAdmission rejects, and frees its resources (fault)', async () => {
    const backend = new FakeBackend('fake', () => Promise.resolve({ exitCode: 0 }));
    const { engine, ledger } = engineWith(backend);
    const result = await engine.run(task(), { afterAdmission: () => Promise.reject(new Error('input download failed')) });
    expect(result.state).toBe('error');
    expect(result.error?.message).toContain('input download failed');
    expect(backend.requests).toHaveLength(0);
    expect(ledger.snapshot().inUse.cpu).toBe(0);
  });

  it('puts the holder labels on every attempt, and a holder cannot overwrite the managed mark', async () => {
    const backend = new FakeBackend('fake', () => Promise.resolve({ exitCode: 0 }));
    const { engine } = engineWith(backend, undefined, { holderLabels: { 'io.capstan.holder-id': 'A1b2C3d4E5f6G7h8', 'io.capstan.managed': 'false' } });
    await engine.run(task());
    expect(backend.requests[0]?.labels).toMatchObject({ 'io.capstan.holder-id': 'A1b2C3d4E5f6G7h8', 'io.capstan.managed': 'true' });
    expect(backend.requests[0]?.reattachable).toBe(true);
  });

  it('hands the beforeRemoval hook of the caller hook to every attempt, and none when not given', async () => {
    const backend = new FakeBackend('fake', () => Promise.resolve({ exitCode: 0 }));
    const { engine } = engineWith(backend);
    const beforeRemoval = (): Promise<void> => Promise.resolve();
    await engine.run(task(), { beforeRemoval });
    await engine.run(task());
    expect(backend.requests.map((request) => request.beforeRemoval)).toEqual([beforeRemoval, undefined]);
  });

  it("hands the usage interval to every attempt, forwards usage events, and records each attempt's usage with its requests", async () => {
    const usage = { peakMemoryBytes: 300 * 1024 ** 2, cpuUserSeconds: 1, cpuSystemSeconds: 0.5, samples: 2 };
    const backend = new FakeBackend('fake', (_request, _signal, emit) => {
      emit({ type: 'usage', elapsedSeconds: 1, memoryBytes: 100 });
      return Promise.resolve({ exitCode: 0, usage });
    });
    const { engine } = engineWith(backend, undefined, { usageIntervalMs: 2_000 });
    let result;
    const events = await collect(engine, async () => (result = await engine.run(task())));
    expect(backend.requests[0]?.usageIntervalMs).toBe(2_000);
    expect(events).toContainEqual(expect.objectContaining({ type: 'backend', attempt: 1, event: { type: 'usage', elapsedSeconds: 1, memoryBytes: 100 } }));
    expect(result).toMatchObject({ attempts: [{ usage, cpu: 1, memory: GIB }] });
  });

  it('records no usage for an attempt whose backend reported none, and leaves the interval to the backend when unset', async () => {
    const backend = new FakeBackend('fake', () => Promise.resolve({ exitCode: 0 }));
    const { engine } = engineWith(backend);
    const result = await engine.run(task());
    expect(backend.requests[0]).not.toHaveProperty('usageIntervalMs');
    expect(result.attempts[0]).not.toHaveProperty('usage');
  });

  it('marks no attempt reattachable without a holder (a CLI run: its attempts die with it)', async () => {
    const backend = new FakeBackend('fake', () => Promise.resolve({ exitCode: 0 }));
    await engineWith(backend).engine.run(task());
    expect(backend.requests[0]?.reattachable).toBeUndefined();
  });

  it('retries with a new attempt name and folder when the exit code is not a return code, up to max_retries', async () => {
    const codes = [3, 4, 0];
    const backend = new FakeBackend('fake', () => Promise.resolve({ exitCode: codes.shift() ?? 99 }));
    const { engine } = engineWith(backend);
    const result = await engine.run(task({ requirements: { container: 'ubuntu:22.04', max_retries: 2 } }));
    expect(result.state).toBe('succeeded');
    expect(result.attempts.map((attempt) => attempt.exitCode)).toEqual([3, 4, 0]);
    expect(result.attempts.map((attempt) => attempt.folder.split('/').pop())).toEqual(['1', '2', '3']);
    const names = backend.requests.map((request) => request.attemptName);
    expect(new Set(names).size).toBe(3);
  });

  it('stops retrying after max_retries and reports the last exit code', async () => {
    const backend = new FakeBackend('fake', () => Promise.resolve({ exitCode: 7 }));
    const { engine } = engineWith(backend);
    const result = await engine.run(task({ requirements: { container: 'ubuntu:22.04', maxRetries: 1 } }));
    expect(result.state).toBe('failed');
    expect(result.exitCode).toBe(7);
    expect(result.attempts).toHaveLength(2);
  });

  it('counts exit codes listed in return_codes as success, and "*" as any', async () => {
    const backend = new FakeBackend('fake', () => Promise.resolve({ exitCode: 3 }));
    const { engine } = engineWith(backend);
    expect((await engine.run(task({ requirements: { container: 'x:1', return_codes: [0, 3] } }))).state).toBe('succeeded');
    expect((await engine.run(task({ requirements: { container: 'x:1', return_codes: '*' } }))).state).toBe('succeeded');
    expect((await engine.run(task({ requirements: { container: 'x:1', return_codes: 0 } }))).state).toBe('failed');
  });

  it('never treats an oom end as success, even when the exit code is listed', async () => {
    const backend = new FakeBackend('fake', () => Promise.resolve({ exitCode: 0, endReason: 'oom' }));
    const { engine } = engineWith(backend);
    const result = await engine.run(task());
    expect(result.state).toBe('failed');
    expect(result.endReason).toBe('oom');
  });

  it('ends an attempt whose runtime stopped answering as lost, releases its resources and retries it', async () => {
    let calls = 0;
    const backend = new FakeBackend('fake', () => {
      calls += 1;
      if (calls === 1) return Promise.reject(new CapstanError(ErrorCode.BackendUnavailable, 'no Docker daemon answers at unix:///x.sock'));
      return Promise.resolve({ exitCode: 0 });
    });
    const { engine, ledger } = engineWith(backend);
    const result = await engine.run(task({ requirements: { container: 'ubuntu:22.04', max_retries: 1 } }));
    expect(result.state).toBe('succeeded');
    expect(result.attempts.map((attempt) => attempt.endReason)).toEqual(['lost', 'exited']);
    expect(result.attempts[0]?.message).toContain('no Docker daemon answers');
    expect(ledger.snapshot().running).toBe(0);

    const always = new FakeBackend('fake', () => Promise.reject(new CapstanError(ErrorCode.BackendUnavailable, 'no Docker daemon answers')));
    const failed = await engineWith(always).engine.run(task());
    expect(failed).toMatchObject({ state: 'failed', endReason: 'lost', exitCode: null });
  });

  it('retries a preempted attempt from the preemptible budget before max_retries', async () => {
    const outcomes = [{ endReason: 'preempted' as const, exitCode: null }, { exitCode: 0 }];
    const backend = new FakeBackend('fake', () => Promise.resolve(outcomes.shift() ?? { exitCode: 1 }));
    const { engine } = engineWith(backend);
    const result = await engine.run(task({ hints: { preemptible: 1 } }));
    expect(result.state).toBe('succeeded');
    expect(result.attempts.map((attempt) => attempt.endReason)).toEqual(['preempted', 'exited']);
  });

  it('records a backend that throws as a failed attempt with end reason error', async () => {
    const backend = new FakeBackend('fake', () => Promise.reject(new Error('daemon went away')));
    const { engine } = engineWith(backend);
    const result = await engine.run(task());
    expect(result.state).toBe('failed');
    expect(result.endReason).toBe('error');
    expect(result.attempts[0]?.message).toBe('daemon went away');
  });

  it('fails with a typed error before running when the task cannot fit the backend', async () => {
    const backend = new FakeBackend('fake', () => Promise.resolve({}));
    const { engine } = engineWith(backend);
    const result = await engine.run(task({ requirements: { container: 'x:1', cpu: 64 } }));
    expect(result.state).toBe('error');
    expect(result.error?.code).toBe('resource.exceeds_capacity');
    expect(result.error?.path).toBe('requirements.cpu');
    expect(backend.requests).toHaveLength(0);
  });

  it('reports an unknown backend name with the known names', async () => {
    const backend = new FakeBackend('fake', () => Promise.resolve({}));
    const { engine } = engineWith(backend);
    const result = await engine.run(task(), { backend: 'nope' });
    expect(result.state).toBe('error');
    expect(result.error?.code).toBe('backend.unknown');
    expect(result.error?.message).toContain('fake');
  });

  it('streams one typed event sequence per task, in order, with the task name on each', async () => {
    const backend = new FakeBackend('fake', (_request, _signal, emit) => {
      emit({ type: 'log', stream: 'stdout', text: 'hello\n' });
      return Promise.resolve({ exitCode: 0 });
    });
    const { engine } = engineWith(backend);
    const events = await collect(engine, () => engine.run(task()));
    expect(events.map((event) => event.type)).toEqual(['resolved', 'admitted', 'staged', 'attempt-started', 'backend', 'attempt-ended', 'released', 'outputs', 'cleaned', 'finished']);
    expect(new Set(events.map((event) => event.taskName))).toEqual(new Set(['align reads']));
    const log = events.find((event) => event.type === 'backend');
    expect(log).toMatchObject({ attempt: 1, event: { type: 'log', stream: 'stdout', text: 'hello\n' } });
  });

  it('queues a task that does not fit now and says which resource is short', async () => {
    const release: Array<() => void> = [];
    const backend = new FakeBackend('fake', () => new Promise((resolve) => release.push(() => resolve({ exitCode: 0 }))));
    const { engine, ledger } = engineWith(backend);
    const events = await collect(engine, async () => {
      const big = engine.run(task({ requirements: { container: 'x:1', cpu: 3 } }));
      await until(() => release.length === 1);
      const second = engine.run(task({ name: 'second', requirements: { container: 'x:1', cpu: 2 } }));
      await until(() => ledger.snapshot().queued === 1);
      release.shift()?.();
      await big;
      await until(() => release.length === 1);
      release.shift()?.();
      await second;
    });
    const queued = events.find((event) => event.type === 'queued');
    expect(queued).toMatchObject({ taskName: 'second', short: ['cpu'] });
    const admitted = events.filter((event) => event.type === 'admitted').map((event) => event.taskName);
    expect(admitted).toEqual(['align reads', 'second']);
  });

  it('cancels one task by its own signal without touching others', async () => {
    const backend = new FakeBackend('fake', (_request, signal) => untilAborted(signal));
    const { engine, ledger } = engineWith(backend);
    const controller = new AbortController();
    const first = engine.run(task({ name: 'first', requirements: { container: 'x:1', cpu: 1 } }), { signal: controller.signal });
    const second = engine.run(task({ name: 'second', requirements: { container: 'x:1', cpu: 1 } }));
    await until(() => backend.requests.length === 2);
    controller.abort();
    expect((await first).state).toBe('canceled');
    expect(ledger.snapshot().running).toBe(1);
    engine.stop();
    expect((await second).state).toBe('canceled');
  });

  it('keeps nothing per ended task (no listener or dependant on its kill signal, no issued name), and still kills them', async () => {
    const backend = new FakeBackend('fake', () => Promise.resolve({ exitCode: 0 }));
    const { engine } = engineWith(backend);
    const kill = (engine as unknown as { kill: AbortController }).kill.signal;
    const names = (engine as unknown as { names: NameGenerator }).names;
    const namesBefore = names.issuedCount;
    const results = await Promise.all(Array.from({ length: 50 }, (_, index) => engine.run(task({ name: `t${index}` }), { signal: new AbortController().signal })));
    expect(results.every((result) => result.state === 'succeeded')).toBe(true);
    expect(getEventListeners(kill, 'abort')).toHaveLength(0);
    expect(names.issuedCount).toBe(namesBefore); // the ended tasks' names were given back
    // What AbortSignal.any leaves behind (Node keeps each combined signal in a set on its sources): nothing.
    const dependants = Object.getOwnPropertySymbols(kill).find((symbol) => symbol.description === 'kDependantSignals');
    expect(dependants === undefined ? 0 : ((kill as unknown as Record<symbol, Set<unknown> | undefined>)[dependants]?.size ?? 0)).toBe(0);

    const hanging = new FakeBackend('fake', (_request, signal) => untilAborted(signal));
    const second = engineWith(hanging).engine;
    const running = second.run(task(), { signal: new AbortController().signal });
    await until(() => hanging.requests.length === 1);
    second.stop();
    expect((await running).state).toBe('canceled');
  });

  it('plans without running: the constraints and warnings on the chosen backend', async () => {
    const backend = new FakeBackend('fake', () => Promise.resolve({}));
    const { engine } = engineWith(backend);
    const plan = await engine.plan(task({ hints: { max_memory: '64 GiB' } }));
    expect(plan.backend).toBe('fake');
    expect(plan.resolution.constraints.memoryLimit).toBe(8 * GIB);
    expect(plan.resolution.warnings.join('\n')).toContain('hints.max_memory');
    expect(backend.requests).toHaveLength(0);
  });

  it('takes the shell and the timeout from hints', async () => {
    const backend = new FakeBackend('fake', () => Promise.resolve({}));
    const { engine } = engineWith(backend);
    await engine.run(task({ hints: { shell: 'sh', timeout: '2m' } }));
    expect(backend.requests[0]?.shell).toBe('sh');
    expect(backend.requests[0]?.timeoutMs).toBe(120_000);
    const bad = await engine.run(task({ hints: { timeout: 'soon' } }));
    expect(bad.error).toMatchObject({ code: 'value.invalid', path: 'hints.timeout' });
  });
});


describe('TaskEngine inputs, outputs and folders', () => {
  let workRoot: string;
  beforeEach(async () => {
    workRoot = await mkdtemp(join(tmpdir(), 'capstan-engine-io-'));
  });
  afterEach(async () => {
    await rm(workRoot, { recursive: true, force: true });
  });

  const engineFor = (backend: FakeBackend, options: Partial<EngineOptions> = {}) =>
    new TaskEngine(new BackendRegistry([backend]), new ResourceLedger({ capacity: { cpu: 4, memory: 8 * GIB, gpu: 0 } }), new NameGenerator(), {
      ...DEFAULT_ENGINE_OPTIONS,
      backend: backend.name,
      workRoot,
      ...options,
    });

  it('hands local file and folder inputs to the backend in place, and refuses a missing one before running', async () => {
    const data = join(workRoot, 'data');
    await mkdir(join(data, 'refs'), { recursive: true });
    await writeFile(join(data, 'reads.fq'), '@r\n');
    const backend = new FakeBackend('fake', () => Promise.resolve({}));
    const engine = engineFor(backend);
    const ok = await engine.run(task({ inputs: [{ source: join(data, 'reads.fq') }, { source: `file://${join(data, 'refs')}`, type: 'directory' }] }));
    expect(ok.state).toBe('succeeded');
    expect(backend.requests[0]?.inputs).toEqual([
      { hostPath: join(data, 'reads.fq'), guestPath: '/mnt/task/inputs/reads.fq', type: 'file' },
      { hostPath: join(data, 'refs'), guestPath: '/mnt/task/inputs/refs', type: 'directory' },
    ]);
    const missing = await engine.run(task({ inputs: [{ source: join(data, 'absent.fq') }] }));
    expect(missing.state).toBe('error');
    expect(missing.error).toMatchObject({ code: 'value.invalid', path: 'inputs.0.source' });
    const wrongType = await engine.run(task({ inputs: [{ source: join(data, 'refs') }] }));
    expect(wrongType.error).toMatchObject({ path: 'inputs.0.type' });
    const url = await engine.run(task({ inputs: [{ source: 'https://example.org/x.fq' }] }));
    expect(url.error?.message).toContain('https:// URL');
    expect(backend.requests).toHaveLength(1);
  });

  it('lists the outputs matched by the globs, with sizes, and warns about an optional pattern that matched nothing', async () => {
    const backend = new FakeBackend('fake', async (request) => {
      await writeFile(join(request.paths.workDir, 'a.bam'), 'x'.repeat(10));
      await mkdir(join(request.paths.workDir, 'sub'));
      await writeFile(join(request.paths.workDir, 'sub', 'b.bam'), 'y'.repeat(3));
      await writeFile(join(request.paths.workDir, 'notes.txt'), 'z');
      return {};
    });
    const result = await engineFor(backend).run(task({ outputs: ['*.bam', 'sub/*.bam', '*.vcf?'] }));
    expect(result.outputs.map(({ pattern, path, sizeBytes }) => ({ pattern, path, sizeBytes }))).toEqual([
      { pattern: '*.bam', path: 'a.bam', sizeBytes: 10 },
      { pattern: 'sub/*.bam', path: 'sub/b.bam', sizeBytes: 3 },
    ]);
    expect(result.warnings).toContain('outputs: optional output "*.vcf" matched no file in the work dir');
  });

  it.each([
    ['keep', 0, false],
    ['delete-on-success', 0, true],
    ['delete-on-success', 1, false],
    ['delete-always', 1, true],
  ] as const)('applies retention %s (exit %s): folder deleted %s', async (retention, exitCode, deleted) => {
    const backend = new FakeBackend('fake', () => Promise.resolve({ exitCode }));
    const result = await engineFor(backend, { retention }).run(task());
    expect(result.folderDeleted).toBe(deleted);
    expect(await stat(result.folder).then(() => true, () => false)).toBe(!deleted);
  });

  it('records the time spent in each phase', async () => {
    const backend = new FakeBackend('fake', () => new Promise((resolve) => setTimeout(() => resolve({}), 30)));
    const { phases } = await engineFor(backend).run(task());
    expect(phases.runMs).toBeGreaterThanOrEqual(25);
    expect(phases.totalMs).toBeGreaterThanOrEqual(phases.resolveMs + phases.queueMs + phases.stageMs + phases.runMs);
  });
});
