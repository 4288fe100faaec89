import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApps, type RunningApi, startApi, stopApi, until } from './testing/api-harness';

// Answers in TES terms, on the real Docker engine: every task below fails a different way, and nothing a client can
// read about it (the create answer, every view, the list) names the server's data folder or Capstan's own fields.
jest.setTimeout(240_000);

const IMAGE = 'capstan-test/busybox:1';
const TOKEN = 'tes-terms-token-0123456789abcdef01';

interface View {
  state: string;
  logs?: Array<{ outputs: Array<{ url: string; path: string }>; system_logs?: string[] }>;
}

let base: string;
let data: string;
let roots: string;
let api: RunningApi;
/** Every text the client read, for the final sweep. */
const seen: string[] = [];

async function call(path: string, body?: unknown): Promise<{ status: number; body: unknown; text: string }> {
  const answer = await api.call(path, body === undefined ? {} : { body });
  seen.push(answer.text);
  return answer;
}

async function runTask(body: unknown): Promise<{ id: string; view: View; systemLogs: string }> {
  const created = await call('/tasks', body);
  expect(created.status).toBe(200);
  const id = (created.body as { id: string }).id;
  const answer = await until(async () => {
    const got = await call(`/tasks/${id}?view=FULL`);
    return ['COMPLETE', 'EXECUTOR_ERROR', 'SYSTEM_ERROR', 'CANCELED'].includes((got.body as View).state) ? got : undefined;
  }, 180_000, `task ${id} to end`);
  await call(`/tasks/${id}?view=BASIC`);
  const view = answer.body as View;
  return { id, view, systemLogs: (view.logs ?? []).flatMap((log) => log.system_logs ?? []).join('\n') };
}

beforeAll(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'capstan-tes-terms-')));
  data = join(base, 'data');
  roots = join(base, 'shared');
  await mkdir(join(roots, 'out'), { recursive: true });
  await writeFile(join(roots, 'in.txt'), 'plain path input\n');
  await buildApps();
  api = await startApi(['--backend', 'docker', '--data-dir', data, '--token', TOKEN, '--allow-root', roots], { token: TOKEN });
});

afterAll(async () => {
  if (api !== undefined) await stopApi(api);
  await rm(base, { recursive: true, force: true });
});

describe('failures in TES terms', () => {
  it('a missing output names the container path, not the host folder it was looked for in', async () => {
    const { view, systemLogs } = await runTask({
      outputs: [{ path: '/outputs/never-made.txt', url: `file://${roots}/out/never.txt` }],
      executors: [{ image: IMAGE, command: ['true'] }],
    });
    expect(view.state).toBe('SYSTEM_ERROR');
    expect(systemLogs).toContain('/outputs/never-made.txt');
    expect(systemLogs).not.toContain(data);
  });

  it('a missing input names the url the client gave', async () => {
    const { view, systemLogs } = await runTask({
      inputs: [{ path: '/inputs/a.txt', url: `file://${roots}/no-such-file.txt` }],
      executors: [{ image: IMAGE, command: ['cat', '/inputs/a.txt'] }],
    });
    expect(view.state).toBe('SYSTEM_ERROR');
    expect(systemLogs).toContain('inputs.0.url');
    expect(systemLogs).toContain('no-such-file.txt');
  });

  it('an OOM tells the client to raise resources.ram_gb, and the operator (server log) which settings apply', async () => {
    const { id, view, systemLogs } = await runTask({
      resources: { ram_gb: 0.032 },
      executors: [{ image: IMAGE, command: ['sh', '-c', 'x=$(head -c 200000000 /dev/zero | tr "\\0" a); echo ${#x}'] }],
    });
    expect(view.state).toBe('EXECUTOR_ERROR');
    expect(systemLogs).toContain('out of memory');
    expect(systemLogs).toContain('raise resources.ram_gb');
    expect(systemLogs).not.toMatch(/requirements\.|hints\./);
    const line = await until(() => api.output().stdout.split('\n').find((text) => text.includes('"event":"oom"') && text.includes(id)), 10_000, 'the oom log line');
    expect(line).toContain('engine.memoryRetryMultiplier');
    expect(line).toContain('engine.limits.memory');
  });

  it('a bad image and a bad command', async () => {
    const image = await runTask({ executors: [{ image: 'capstan-test/no-such-image-tes-terms:0', command: ['true'] }] });
    expect(image.view.state).toBe('SYSTEM_ERROR');
    expect(image.systemLogs).toContain('no-such-image-tes-terms');
    const command = await runTask({ executors: [{ image: IMAGE, command: ['/no/such/program-tes-terms'] }] });
    expect(command.view.state).toBe('EXECUTOR_ERROR');
  });

  it.each([
    ['memory', { ram_gb: 100_000 }, 'resources.ram_gb'],
    ['cpu', { cpu_cores: 10_000 }, 'resources.cpu_cores'],
  ])('a %s request no backend can give is refused in TES fields', async (_what, resources, field) => {
    const { view, systemLogs } = await runTask({ resources, executors: [{ image: IMAGE, command: ['true'] }] });
    expect(['SYSTEM_ERROR', 'EXECUTOR_ERROR']).toContain(view.state);
    expect(systemLogs).toContain(`lower ${field}, or ask the server's operator to set engine.limits.`);
    expect(systemLogs).toContain(field);
    expect(systemLogs).not.toMatch(/requirements\.|hints\./);
  });
});

describe('plain absolute paths as urls', () => {
  it('an input and an output url given as "/path" are read as file:// under the allowed roots', async () => {
    const { view } = await runTask({
      inputs: [{ path: '/inputs/in.txt', url: join(roots, 'in.txt') }],
      outputs: [{ path: '/outputs/copy.txt', url: join(roots, 'out', 'copy.txt') }],
      executors: [{ image: IMAGE, command: ['cp', '/inputs/in.txt', '/outputs/copy.txt'] }],
    });
    expect(view.state).toBe('COMPLETE');
    expect(await readFile(join(roots, 'out', 'copy.txt'), 'utf8')).toBe('plain path input\n');
    expect(view.logs?.[0]?.outputs).toEqual([expect.objectContaining({ path: '/outputs/copy.txt' })]);
  });

  it('outside the roots: the same 400 as for file://, for inputs and outputs', async () => {
    for (const [field, task] of [
      ['inputs.0.url', { inputs: [{ path: '/in/x', url: '/etc/passwd' }], executors: [{ image: IMAGE, command: ['true'] }] }],
      ['outputs.0.url', { outputs: [{ path: '/out/x', url: '/etc/tes-terms-x' }], executors: [{ image: IMAGE, command: ['true'] }] }],
      ['inputs.0.url', { inputs: [{ path: '/in/x', url: `${roots}/../escape.txt` }], executors: [{ image: IMAGE, command: ['true'] }] }],
    ] as const) {
      const answer = await call('/tasks', task);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ path: field });
      expect((answer.body as { message: string }).message).toContain('outside the folders');
    }
  });
});

it('no answer the client read names the server data folder', async () => {
  seen.push((await call('/tasks?view=FULL')).text);
  const everything = seen.join('\n');
  expect(everything.length).toBeGreaterThan(1000);
  expect(everything).not.toContain(data);
  expect(everything).not.toContain(join(base, 'data'));
});
