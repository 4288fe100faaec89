import { type Backend, BackendRegistry, CapstanError, ErrorCode, parseTask, type Task } from '@capstan/core-constraints';
import { NameGenerator } from '@capstan/naming';
import { ResourceLedger } from '@capstan/resource-manager';
import { until } from '@capstan/support/testing';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_ENGINE_OPTIONS } from './engine-options';
import { TaskEngine } from './engine';
import { type EngineEvent } from './events/engine-event';
import { routeRuleSchema } from './routing/routing-config';
import { FakeBackend } from './testing/fake-backend';

const GIB = 1024 ** 3;

function task(name: string, hints: Record<string, unknown> = {}): Task {
  return parseTask({ name, command: 'true', requirements: { container: 'capstan-test/busybox:1', cpu: 1, memory: '1 GiB' }, hints });
}

/** A backend whose daemon does not answer: its capacity call fails as a real one's does. */
class DownBackend extends FakeBackend {
  override capacity(): never {
    throw new CapstanError(ErrorCode.BackendUnavailable, 'the docker daemon at unix:///nonexistent.sock does not answer (connect ENOENT)');
  }
}

describe('TaskEngine with several backends', () => {
  let workRoot: string;
  beforeEach(async () => {
    workRoot = await mkdtemp(join(tmpdir(), 'capstan-engine-multi-'));
  });
  afterEach(async () => {
    await rm(workRoot, { recursive: true, force: true });
  });

  /** `slow` holds one cpu, so its second task waits; `fast` has room. Label lane=slow goes to slow. */
  function engineOver(backends: Backend[], made: string[] = []) {
    const names = backends.map((backend) => backend.name);
    return new TaskEngine(new BackendRegistry(backends), new ResourceLedger({ capacity: { cpu: 1, memory: 1, gpu: 0 }, unlimited: true }), new NameGenerator(), {
      ...DEFAULT_ENGINE_OPTIONS,
      backend: 'fast',
      workRoot,
      routing: { names, rules: [routeRuleSchema.parse({ backend: 'slow', when: { labels: { lane: 'slow' } } })], defaultBackend: 'fast' },
      backendLedger: async (backend) => {
        made.push(backend.name);
        const { total, perTaskMax } = await backend.capacity();
        return new ResourceLedger({ capacity: total, perTaskMax });
      },
    });
  }

  it('keeps a ledger and a queue per backend: a task queued on a full backend holds up none on another', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const slow = new FakeBackend('slow', () => held.then(() => ({})), { cpu: 1, memory: 4 * GIB, gpu: 0 });
    const fast = new FakeBackend('fast', async () => ({}));
    const made: string[] = [];
    const engine = engineOver([slow, fast], made);
    const events: EngineEvent[] = [];
    const listening = (async () => {
      for await (const event of engine.events()) events.push(event);
    })();
    const first = engine.run(task('first', { labels: { lane: 'slow' } }));
    await until(() => slow.requests.length === 1);
    const second = engine.run(task('second', { labels: { lane: 'slow' } }));
    await until(() => events.some((event) => event.taskName === 'second' && event.type === 'queued'));
    // The slow backend is full and has a task queued; the fast one still runs its task to the end.
    const third = await engine.run(task('third'));
    expect({ state: third.state, backend: third.backend }).toEqual({ state: 'succeeded', backend: 'fast' });
    expect(slow.requests).toHaveLength(1);
    release();
    const [a, b] = await Promise.all([first, second]);
    expect([a.state, a.backend, b.state, b.backend]).toEqual(['succeeded', 'slow', 'succeeded', 'slow']);
    expect(made.sort()).toEqual(['fast', 'slow']);
    engine.close();
    await listening;
    const resolved = events.filter((event): event is Extract<EngineEvent, { type: 'resolved' }> => event.type === 'resolved');
    expect(resolved.map((event) => [event.taskName, event.backend, event.route])).toEqual([
      ['first', 'slow', 'rule 1 of routes (label lane=slow)'],
      ['second', 'slow', 'rule 1 of routes (label lane=slow)'],
      ['third', 'fast', 'the default backend (no rule of routes matched)'],
    ]);
  });

  it('fails the tasks of a backend whose daemon is down, typed, and finishes the others', async () => {
    const fast = new FakeBackend('fast', async () => ({}));
    const down = new DownBackend('slow', async () => ({}));
    const engine = engineOver([down, fast]);
    const [lost, fine] = await Promise.all([engine.run(task('on-down', { labels: { lane: 'slow' } })), engine.run(task('on-fast'))]);
    expect({ state: lost.state, backend: lost.backend, code: lost.error?.code }).toEqual({ state: 'error', backend: 'slow', code: 'backend.unavailable' });
    expect(lost.error?.message).toContain('does not answer');
    expect(lost.error?.message).toContain('backend "slow" was chosen by rule 1 of routes');
    expect({ state: fine.state, backend: fine.backend }).toEqual({ state: 'succeeded', backend: 'fast' });
    engine.close();
  });

  it('fails a task whose hint names a backend type, not a configured name, and runs nothing', async () => {
    const fast = new FakeBackend('fast', async () => ({}));
    const engine = engineOver([new FakeBackend('slow', async () => ({})), fast]);
    const result = await engine.run(task('sneaky', { backend: 'docker' }));
    expect({ state: result.state, code: result.error?.code, path: result.error?.path }).toEqual({ state: 'error', code: 'backend.unknown', path: 'hints.backend' });
    expect(fast.requests).toHaveLength(0);
    engine.close();
  });

  it('fails a task the routed backend cannot fit, saying where routing sent it and why', async () => {
    const engine = engineOver([new FakeBackend('slow', async () => ({})), new FakeBackend('fast', async () => ({}))]);
    const big = parseTask({ name: 'big', command: 'true', requirements: { container: 'capstan-test/busybox:1', cpu: 64, memory: '1 GiB' } });
    const result = await engine.run(big);
    expect({ state: result.state, code: result.error?.code }).toEqual({ state: 'error', code: 'resource.exceeds_capacity' });
    expect(result.error?.message).toContain('backend "fast" was chosen by the default backend (no rule of routes matched); a routing rule or a "backend" hint can send the task to a backend that fits it');
    engine.close();
  });

  it('drains every backend\'s queue', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const slow = new FakeBackend('slow', () => held.then(() => ({})), { cpu: 1, memory: 4 * GIB, gpu: 0 });
    const engine = engineOver([slow, new FakeBackend('fast', async () => ({}))]);
    const first = engine.run(task('first', { labels: { lane: 'slow' } }));
    await until(() => slow.requests.length === 1);
    const second = engine.run(task('second', { labels: { lane: 'slow' } }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    engine.drain();
    expect((await second).state).toBe('canceled');
    release();
    expect((await first).state).toBe('succeeded');
    engine.close();
  });

  it('plans a task on the backend routing picks, saying why; a caller\'s choice wins', async () => {
    const engine = engineOver([new FakeBackend('slow', async () => ({})), new FakeBackend('fast', async () => ({}))]);
    expect(await engine.plan(task('p', { labels: { lane: 'slow' } }))).toMatchObject({ backend: 'slow', route: 'rule 1 of routes (label lane=slow)' });
    expect(await engine.plan(task('p', { labels: { lane: 'slow' } }), 'fast', 'the --backend flag')).toMatchObject({ backend: 'fast', route: 'the --backend flag' });
    engine.close();
  });
});
