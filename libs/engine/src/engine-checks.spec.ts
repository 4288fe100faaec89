import { BackendRegistry, CapstanError, parseTask, type Task } from '@capstan/core-constraints';
import { NameGenerator } from '@capstan/naming';
import { ResourceLedger } from '@capstan/resource-manager';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_ENGINE_OPTIONS } from './engine-options';
import { TaskEngine } from './engine';
import { type EngineEvent } from './events/engine-event';
import { FakeBackend } from './testing/fake-backend';

const GIB = 1024 ** 3;

describe('TaskEngine: plan and run make the same checks', () => {
  let dir: string;
  let backend: FakeBackend;
  let engine: TaskEngine;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capstan-engine-checks-'));
    await writeFile(join(dir, 'a-file'), 'x');
    backend = new FakeBackend('fake', () => Promise.resolve({ exitCode: 0 }));
    const ledger = new ResourceLedger({ capacity: { cpu: 4, memory: 8 * GIB, gpu: 0 } });
    engine = new TaskEngine(new BackendRegistry([backend]), ledger, new NameGenerator(), { ...DEFAULT_ENGINE_OPTIONS, backend: 'fake', workRoot: join(dir, 'runs') });
  });
  afterEach(async () => {
    engine.close();
    await rm(dir, { recursive: true, force: true });
  });

  const task = (body: Record<string, unknown>): Task => parseTask({ name: 'checked', command: 'true', requirements: { container: 'ubuntu:22.04' }, ...body });

  it.each<[string, () => Record<string, unknown>, string, RegExp]>([
    ['a shell that is not a program', () => ({ hints: { shell: 'sh -c "rm -rf /"' } }), 'hints.shell', /is not a shell program/],
    ['a timeout that is not a duration', () => ({ hints: { timeout: 'soon' } }), 'hints.timeout', /is not a timeout/],
    ['an input that does not exist', () => ({ inputs: [{ source: join(dir, 'absent') }] }), 'inputs.0.source', /does not exist/],
    ['a file declared as a directory', () => ({ inputs: [{ source: join(dir, 'a-file'), type: 'directory' }] }), 'inputs.0.type', /is a file but is declared as type directory/],
    ['an input URL the engine cannot fetch', () => ({ inputs: [{ source: 'http://127.0.0.1:9/x' }] }), 'inputs.0.source', /http:\/\/ URL/],
    ['more memory than the backend gives a task', () => ({ requirements: { container: 'ubuntu:22.04', memory: '64 GiB' } }), 'requirements.memory', /.+/],
  ])('refuses %s in both, with the same error, and runs nothing', async (_label, body, path, message) => {
    const planned = await engine.plan(task(body())).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(planned).toBeInstanceOf(CapstanError);
    expect(planned).toMatchObject({ path, message: expect.stringMatching(message) });
    const result = await engine.run(task(body()));
    expect(result.state).toBe('error');
    expect(result.error).toMatchObject({ code: (planned as CapstanError).code, path, message: (planned as CapstanError).message });
    expect(backend.requests).toHaveLength(0);
  });

  it('plans and runs a good task alike (the checks are not too strict)', async () => {
    const good = task({ inputs: [{ source: join(dir, 'a-file') }], hints: { shell: 'sh', timeout: '5m' } });
    await expect(engine.plan(good)).resolves.toMatchObject({ backend: 'fake' });
    expect((await engine.run(good)).state).toBe('succeeded');
  });

  it('gives misspelt hints and tiny memory as warnings in the plan and in the resolved event, and still runs', async () => {
    const odd = task({ requirements: { container: 'ubuntu:22.04', memory: 4096 }, hints: { timout: '5m', my_site_queue: 'long' } });
    const expected = [expect.stringContaining('hint "timout" is not one Capstan knows'), expect.stringContaining('did you mean "4096 MiB"?')];
    expect((await engine.plan(odd)).resolution.warnings).toEqual(expect.arrayContaining(expected));
    const events: EngineEvent[] = [];
    const result = await engine.run(odd, { onEvent: (event) => events.push(event) });
    expect(result.state).toBe('succeeded');
    const resolved = events.find((event) => event.type === 'resolved');
    expect(resolved).toMatchObject({ warnings: expect.arrayContaining(expected) });
    expect(JSON.stringify(resolved)).not.toContain('my_site_queue');
  });
});
