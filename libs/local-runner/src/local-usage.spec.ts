import { type AttemptPaths, type BackendEvent, type ExecutionRequest, parseTask, resolveConstraints } from '@capstan/core-constraints';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalBackend } from './local-backend';

describe('LocalBackend resource usage (real processes)', () => {
  jest.setTimeout(30_000);
  let dir: string;
  let paths: AttemptPaths;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'usage-local-'));
    paths = { root: join(dir, 'attempt'), commandFile: join(dir, 'attempt', 'command'), workDir: join(dir, 'attempt', 'work'), stdoutFile: join(dir, 'attempt', 'stdout'), stderrFile: join(dir, 'attempt', 'stderr') };
    await mkdir(paths.workDir, { recursive: true });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const backend = new LocalBackend({ graceSeconds: 0.2 }, { cpus: 2, memoryBytes: 4 * 1024 ** 3 }, { PATH: process.env['PATH'] });

  async function request(command: string, usageIntervalMs: number): Promise<ExecutionRequest> {
    await writeFile(paths.commandFile, command);
    const task = parseTask({ name: 't', command });
    const { constraints } = resolveConstraints(task.requirements, task.hints, await backend.capacity(), { backendName: 'local' });
    return { runId: 'r', taskName: 't', attemptName: 't-1', attempt: 1, shell: 'sh', paths, inputs: [], env: {}, constraints, labels: {}, usageIntervalMs };
  }

  it('declares usage sampled, emits readings while the group runs and sums them in the result', async () => {
    expect(backend.capabilities.usage).toBe('sampled');
    const events: BackendEvent[] = [];
    const result = await backend.execute(await request('dd if=/dev/zero bs=100M count=1 2>/dev/null | sleep 2', 300), new AbortController().signal, (event) => events.push(event));
    expect(result).toMatchObject({ exitCode: 0, endReason: 'exited' });
    expect(events.filter((event) => event.type === 'usage').length).toBeGreaterThanOrEqual(3);
    expect(result.usage?.peakMemoryBytes).toBeGreaterThanOrEqual(100 * 1024 * 1024);
    expect(result.usage?.samples).toBeGreaterThanOrEqual(3);
    expect(result.usage?.partial).toBeUndefined();
  });

  it('reports no figures, marked partial, for a command that ends before the first reading', async () => {
    const result = await backend.execute(await request('exit 0', 5_000), new AbortController().signal, () => undefined);
    expect(result.usage).toEqual({ samples: 0, partial: 'the attempt ended before its first usage reading' });
  });

  it('reads nothing while it runs with the interval at 0', async () => {
    const events: BackendEvent[] = [];
    const result = await backend.execute(await request('sleep 1', 0), new AbortController().signal, (event) => events.push(event));
    expect(events.filter((event) => event.type === 'usage')).toEqual([]);
    expect(result.usage?.samples).toBe(0);
  });
});
