import { BackendRegistry, ErrorCode, type ExecutionRequest, parseTask, ATTEMPT_VARIABLE } from '@capstan/core-constraints';
import { NameGenerator } from '@capstan/naming';
import { ResourceLedger } from '@capstan/resource-manager';
import { testConstraints } from '@capstan/support/testing';
import { mkdtemp, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_ENGINE_OPTIONS, type EngineOptions } from './engine-options';
import { TaskEngine } from './engine';
import { type EngineEvent } from './events/engine-event';
import { escalateMemory } from './run/memory-retry';
import { FakeBackend } from './testing/fake-backend';

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;
const TINI = '[FATAL tini (7)] exec bash failed: No such file or directory\n';

describe('retries that learn (engine, scripted backend)', () => {
  let workRoot: string;
  beforeEach(async () => {
    workRoot = await mkdtemp(join(tmpdir(), 'capstan-retries-'));
  });
  afterEach(async () => {
    await rm(workRoot, { recursive: true, force: true });
  });

  function engineWith(backend: FakeBackend, options: Partial<EngineOptions> = {}): { engine: TaskEngine; events: EngineEvent[] } {
    const ledger = new ResourceLedger({ capacity: { cpu: 4, memory: 8 * GIB, gpu: 0 }, perTaskMax: { cpu: 4, memory: 8 * GIB, gpu: 0 } });
    const engine = new TaskEngine(new BackendRegistry([backend]), ledger, new NameGenerator(), { ...DEFAULT_ENGINE_OPTIONS, backend: backend.name, workRoot, ...options });
    const events: EngineEvent[] = [];
    void (async () => {
      for await (const event of engine.events()) events.push(event);
    })();
    return { engine, events };
  }

  const task = (overrides: Record<string, unknown> = {}, requirements: Record<string, unknown> = {}) =>
    parseTask({ name: 'retry', command: 'echo hi', requirements: { container: 'capstan-test/busybox:1', memory: '1 GiB', max_retries: 2, ...requirements }, ...overrides });

  it('tells the command its attempt number, 1-based, and a task env of the same name cannot change it', async () => {
    const backend = new FakeBackend('fake', () => Promise.resolve({ exitCode: 1 }));
    const { engine } = engineWith(backend);
    await engine.run(task({ env: { [ATTEMPT_VARIABLE]: '99', OTHER: 'kept' } }));
    expect(backend.requests.map((request) => request.env[ATTEMPT_VARIABLE])).toEqual(['1', '2', '3']);
    expect(backend.requests[0]?.env['OTHER']).toBe('kept');
  });

  it('ends at once, not retried, with a typed error naming the image, the shell and the fix when the image has no shell', async () => {
    const backend = new FakeBackend('fake', async (request) => {
      await writeFile(request.paths.stderrFile, TINI);
      return { exitCode: 127 };
    });
    const { engine } = engineWith(backend);
    const result = await engine.run(task());
    expect(backend.requests).toHaveLength(1);
    expect(result.state).toBe('error');
    expect(result.error?.code).toBe(ErrorCode.ShellNotFound);
    expect(result.error?.path).toBe('hints.shell');
    expect(result.error?.message).toContain('capstan-test/busybox:1');
    expect(result.error?.message).toContain('no shell "bash"');
    expect(result.error?.message).toContain('--shell sh');
    expect(result.attempts[0]).toMatchObject({ exitCode: 127, endReason: 'error' });
  });

  it.each([
    ['Podman (catatonit)', 'ERROR (catatonit:6): failed to exec pid1: No such file or directory\n', 1],
    ['Apptainer', 'FATAL:   "bash": executable file not found in $PATH\n', 255],
  ])('reads %s saying the shell is missing', async (_runtime, line, exitCode) => {
    const backend = new FakeBackend('fake', async (request) => {
      await writeFile(request.paths.stderrFile, line);
      return { exitCode };
    });
    const result = await engineWith(backend).engine.run(task());
    expect(backend.requests).toHaveLength(1);
    expect(result.error?.code).toBe(ErrorCode.ShellNotFound);
  });

  it('reads runc refusing the start (no init) as the shell missing', async () => {
    const message = 'failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "bash": executable file not found in $PATH: unknown';
    const backend = new FakeBackend('fake', () => Promise.resolve({ exitCode: null, endReason: 'error', message }));
    const result = await engineWith(backend).engine.run(task());
    expect(backend.requests).toHaveLength(1);
    expect(result.error?.code).toBe(ErrorCode.ShellNotFound);
  });

  it.each([
    ['the shell\'s own "not found" (the task\'s command exits 127)', 'sh: nosuchcommand: not found\n'],
    ['the runtime\'s line after output of the task\'s own', `started\n${TINI}`],
    ['the runtime\'s line about another program than the shell', '[FATAL tini (7)] exec python failed: No such file or directory\n'],
  ])('retries as usual on %s', async (_case, stderr) => {
    const backend = new FakeBackend('fake', async (request) => {
      await writeFile(request.paths.stderrFile, stderr);
      return { exitCode: 127 };
    });
    const result = await engineWith(backend).engine.run(task());
    expect(backend.requests).toHaveLength(3);
    expect(result).toMatchObject({ state: 'failed', exitCode: 127, endReason: 'exited' });
  });

  it('never follows a stderr replaced by a link to a host file: an ordinary failure, retried', async () => {
    const hostFile = join(workRoot, 'host-file');
    await writeFile(hostFile, TINI);
    const backend = new FakeBackend('fake', async (request) => {
      await unlink(request.paths.stderrFile);
      await symlink(hostFile, request.paths.stderrFile);
      return { exitCode: 127 };
    });
    const result = await engineWith(backend).engine.run(task());
    expect(backend.requests).toHaveLength(3);
    expect(result.state).toBe('failed');
  });

  it('reads a stderr that is gone as no evidence: an ordinary failure, retried', async () => {
    const backend = new FakeBackend('fake', async (request) => {
      await unlink(request.paths.stderrFile);
      return { exitCode: 127 };
    });
    const result = await engineWith(backend).engine.run(task());
    expect(backend.requests).toHaveLength(3);
    expect(result.state).toBe('failed');
  });

  it('multiplies memory request and limit after each oom end, capped by the backend, and says so in events and attempts', async () => {
    const backend = new FakeBackend('fake', (request: ExecutionRequest) => Promise.resolve(request.attempt < 4 ? { exitCode: 137, endReason: 'oom' } : { exitCode: 0 }), { cpu: 4, memory: 8 * GIB, gpu: 0 });
    const { engine, events } = engineWith(backend);
    const result = await engine.run(task({ hints: { max_memory: '2 GiB', memory_retry_multiplier: 3 } }, { max_retries: 3 }));
    expect(result.state).toBe('succeeded');
    expect(backend.requests.map((request) => [request.constraints.memory / GIB, (request.constraints.memoryLimit ?? 0) / GIB])).toEqual([
      [1, 2],
      [3, 6],
      [8, 8],
      [8, 8],
    ]);
    expect(result.attempts.map((attempt) => attempt.memory / GIB)).toEqual([1, 3, 8, 8]);
    const escalations = events.filter((event) => event.type === 'memory-escalated');
    expect(escalations).toMatchObject([
      { attempt: 2, factor: 3, memory: 3 * GIB, memoryLimit: 6 * GIB, capped: false },
      { attempt: 3, factor: 3, memory: 8 * GIB, memoryLimit: 8 * GIB, capped: true },
    ]);
    expect(result.warnings.some((warning) => warning.includes('attempt 4 keeps'))).toBe(true);
  });

  it('keeps memory as it is after an oom end by default, and takes the configured default multiplier', async () => {
    const oomOnce = (request: ExecutionRequest) => Promise.resolve(request.attempt === 1 ? { exitCode: 137, endReason: 'oom' as const } : { exitCode: 0 });
    const plain = new FakeBackend('fake', oomOnce);
    await engineWith(plain).engine.run(task());
    expect(plain.requests.map((request) => request.constraints.memory)).toEqual([GIB, GIB]);
    const configured = new FakeBackend('fake', oomOnce);
    await engineWith(configured, { memoryRetryMultiplier: 1.5 }).engine.run(task());
    expect(configured.requests.map((request) => request.constraints.memory)).toEqual([GIB, 1.5 * GIB]);
  });

  it('does not grow memory on other failures', async () => {
    const backend = new FakeBackend('fake', () => Promise.resolve({ exitCode: 1 }));
    await engineWith(backend).engine.run(task({ hints: { memory_retry_multiplier: 2 } }));
    expect(backend.requests.map((request) => request.constraints.memory)).toEqual([GIB, GIB, GIB]);
  });

  it.each([0.5, 17, '2x', -1])('refuses a memory_retry_multiplier of %p, naming the hint and the range', async (factor) => {
    const backend = new FakeBackend('fake', () => Promise.resolve({ exitCode: 0 }));
    const result = await engineWith(backend).engine.run(task({ hints: { memory_retry_multiplier: factor } }));
    expect(backend.requests).toHaveLength(0);
    expect(result.error).toMatchObject({ code: ErrorCode.InvalidValue, path: 'hints.memory_retry_multiplier' });
    expect(result.error?.message).toContain('from 1');
  });
});

describe('escalateMemory', () => {
  const base = testConstraints({ containers: [], cpu: 1, memory: 100 * MIB, disks: {} });
  it('rounds up to whole bytes and leaves no limit where there was none', () => {
    expect(escalateMemory({ ...base, memory: 3 }, 1.5, GIB)).toMatchObject({ memory: 5, memoryLimit: null, capped: false });
  });
  it('changes nothing at a factor of 1 or at the maximum', () => {
    expect(escalateMemory(base, 1, GIB)).toBeUndefined();
    expect(escalateMemory({ ...base, memory: GIB }, 2, GIB)).toBeUndefined();
  });
  it('never lowers a request already above the maximum', () => {
    expect(escalateMemory({ ...base, memory: 2 * GIB, memoryLimit: 4 * GIB }, 2, GIB)).toBeUndefined();
  });
});
