import { SocketProxy } from '@capstan/backend-test-kit';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApps, containersWithLabel, execFileAsync, type RunningApi, startApi, stopApi, until } from './testing/api-harness';

// The bundled server with the Docker backend, its daemon behind a socket the test cuts and restores.
jest.setTimeout(180_000);

const IMAGE = 'capstan-test/busybox:1';
const TOKEN = 'test-token-faults-0123456789abcdef';
const FINAL = ['COMPLETE', 'EXECUTOR_ERROR', 'SYSTEM_ERROR', 'CANCELED', 'PREEMPTED'];
/** Every core of the host: a second such task runs only once the first one's resources are released. */
const ALL_CORES = cpus().length;

interface TaskView {
  id: string;
  state: string;
  logs?: Array<{ logs: Array<{ exit_code: number }>; system_logs?: string[] }>;
}

let folder: string;
let proxy: SocketProxy;
let api: RunningApi;

async function create(command: string[]): Promise<string> {
  const answer = await api.call('/tasks', { body: { resources: { cpu_cores: ALL_CORES }, executors: [{ image: IMAGE, command }] } });
  expect(answer).toMatchObject({ status: 200 });
  return (answer.body as { id: string }).id;
}

async function finished(id: string, timeoutMs = 120_000): Promise<TaskView> {
  return until(async () => {
    const task = (await api.call(`/tasks/${id}?view=FULL`)).body as TaskView;
    return FINAL.includes(task.state) ? task : undefined;
  }, timeoutMs, `task ${id} to end`);
}

async function running(id: string): Promise<void> {
  await until(async () => ((await api.call(`/tasks/${id}`)).body as TaskView).state === 'RUNNING' || undefined, 60_000, 'RUNNING');
  await until(async () => ((await containersWithLabel(`io.capstan.task=tes-${id}-e0`)).length > 0 ? true : undefined), 30_000, 'the container');
}

function systemLogs(task: TaskView): string {
  return (task.logs ?? []).flatMap((log) => log.system_logs ?? []).join('\n');
}

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'capstan-api-faults-'));
  proxy = await SocketProxy.start('/var/run/docker.sock');
  await buildApps();
  api = await startApi(['--backend', 'docker', '--data-dir', join(folder, 'data'), '--token', TOKEN], { token: TOKEN, env: { ...process.env, DOCKER_HOST: proxy.address } });
});

afterAll(async () => {
  if (api !== undefined) await stopApi(api);
  await proxy.close();
  await rm(folder, { recursive: true, force: true });
});

describe('the TES server when the connection to its runtime is lost', () => {
  it('ends a task cut off mid-run SYSTEM_ERROR, releases its resources, removes its container and runs new tasks once the socket is back', async () => {
    const lost = await create(['sleep', '300']);
    await running(lost);
    await proxy.cut();
    const ended = await finished(lost);
    expect(ended.state).toBe('SYSTEM_ERROR');
    expect(systemLogs(ended)).toContain('lost the connection to the daemon');
    await proxy.restore();
    await until(async () => ((await containersWithLabel(`io.capstan.task=tes-${lost}-e0`)).length === 0 ? true : undefined), 60_000, 'the lost container removed');
    // It asks for every core, as the lost one did: it runs only if the lost task's lease was released.
    const next = await create(['echo', 'back']);
    expect((await finished(next)).state).toBe('COMPLETE');
    expect(proxy.connections).toBeGreaterThan(0);
  });

  it('completes a cancel asked for while the daemon is unreachable, and removes the container once it is back', async () => {
    const id = await create(['sleep', '300']);
    await running(id);
    await proxy.cut();
    expect(await api.call(`/tasks/${id}:cancel`, { method: 'POST', body: {} })).toMatchObject({ status: 200 });
    expect((await finished(id, 60_000)).state).toBe('CANCELED');
    await proxy.restore();
    await until(async () => ((await containersWithLabel(`io.capstan.task=tes-${id}-e0`)).length === 0 ? true : undefined), 60_000, 'the canceled container removed');
  });

  it('ends a task whose container another tool killed SYSTEM_ERROR, not EXECUTOR_ERROR with exit 137', async () => {
    const id = await create(['sleep', '300']);
    await running(id);
    const [container] = await containersWithLabel(`io.capstan.task=tes-${id}-e0`);
    await execFileAsync('docker', ['kill', container ?? '']);
    const ended = await finished(id);
    expect(ended.state).toBe('SYSTEM_ERROR');
    expect(systemLogs(ended)).toContain('killed from outside Capstan');
  });
});

describe('the TES server when its runtime freezes (socket open, no answer)', () => {
  // A server of its own, with fast liveness pings: two silent pings, one second apart, end an attempt.
  beforeAll(async () => {
    await stopApi(api);
    await proxy.close();
    proxy = await SocketProxy.start('/var/run/docker.sock');
    const liveness = { CAPSTAN_DOCKER__LIVENESS_INTERVAL_SECONDS: '1', CAPSTAN_DOCKER__LIVENESS_TIMEOUT_SECONDS: '1', CAPSTAN_DOCKER__LIVENESS_FAILURES: '2' };
    api = await startApi(['--backend', 'docker', '--data-dir', join(folder, 'frozen'), '--token', TOKEN], { token: TOKEN, env: { ...process.env, DOCKER_HOST: proxy.address, ...liveness } });
  });

  it('ends a task whose daemon freezes SYSTEM_ERROR within the liveness bound, removes its container once it thaws and runs new tasks', async () => {
    const lost = await create(['sleep', '300']);
    await running(lost);
    proxy.freeze();
    const frozenAt = Date.now();
    const ended = await finished(lost, 60_000);
    expect(Date.now() - frozenAt).toBeLessThan(30_000); // 2 x (1 s + 1 s) and slack: the point is "not forever"
    expect(ended.state).toBe('SYSTEM_ERROR');
    expect(systemLogs(ended)).toContain('the daemon did not answer 2 pings in a row');
    proxy.thaw();
    await until(async () => ((await containersWithLabel(`io.capstan.task=tes-${lost}-e0`)).length === 0 ? true : undefined), 60_000, 'the frozen container removed');
    // It asks for every core, as the lost one did: it runs only if the lost task's lease was released.
    const next = await create(['echo', 'back']);
    expect((await finished(next)).state).toBe('COMPLETE');
  });
});

describe('the TES server and signals', () => {
  it('stops like SIGTERM on SIGHUP (the terminal that started it closed): a clean exit, not death by the signal', async () => {
    const other = await startApi(['--backend', 'docker', '--data-dir', join(folder, 'hup'), '--token', TOKEN], { token: TOKEN });
    other.child.kill('SIGHUP');
    expect(await other.exited).toEqual({ code: 0, signal: null });
    expect(other.output().stderr).toContain('stopping: no new tasks');
  });
});
