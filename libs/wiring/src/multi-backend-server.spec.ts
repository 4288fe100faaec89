import { ErrorCode } from '@capstan/core-constraints';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningTesServer, startTesServer } from './tes-server';

jest.setTimeout(90_000);

const quiet = { write: (): boolean => true };
const IMAGE = 'capstan-test/busybox:1';

interface TesTaskView {
  readonly state: string;
  readonly logs?: ReadonlyArray<{ readonly logs?: ReadonlyArray<{ readonly stdout?: string }> }>;
}

/**
 * A TES server over two named Docker backends, told apart by what a task sees: `sealed` gives it no network (only
 * `lo`), `box`, the default, a bridge. backend_parameters.backend picks among the configured names and nothing else.
 */
describe('the TES server over several named backends (real Docker)', () => {
  let dir: string;
  let server: RunningTesServer | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capstan-multi-server-'));
    const configFile = join(dir, 'capstan.yaml');
    await writeFile(configFile, ['backends:', '  box: { type: docker }', '  sealed: { type: docker, network: none }', ''].join('\n'));
    server = await startTesServer({ configFile, flags: { 'api.dataDir': join(dir, 'data'), 'api.port': 0, 'api.host': '127.0.0.1', 'api.auth.disabled': true }, cwd: dir, logStream: quiet });
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function create(backendParameters: Record<string, string> | undefined, strict?: boolean): Promise<{ status: number; body: Record<string, unknown> }> {
    const resources = backendParameters === undefined ? {} : { resources: { backend_parameters: backendParameters, ...(strict === undefined ? {} : { backend_parameters_strict: strict }) } };
    const response = await fetch(`${server?.url}/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ executors: [{ image: IMAGE, command: ['ls', '/sys/class/net'] }], ...resources }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function stdoutOf(id: string): Promise<string> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const task = (await (await fetch(`${server?.url}/tasks/${id}?view=FULL`)).json()) as TesTaskView;
      if (['COMPLETE', 'EXECUTOR_ERROR', 'SYSTEM_ERROR', 'CANCELED'].includes(task.state)) {
        expect(task.state).toBe('COMPLETE');
        return task.logs?.[0]?.logs?.[0]?.stdout ?? '';
      }
      if (Date.now() > deadline) throw new Error(`task ${id} did not end within 60 s (state ${task.state})`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  it('runs a task on the configured backend its backend parameter names, and on the default without one', async () => {
    const [sealed, plain] = await Promise.all([create({ backend: 'sealed' }), create(undefined)]);
    expect([sealed.status, plain.status]).toEqual([200, 200]);
    expect((await stdoutOf(sealed.body['id'] as string)).trim().split(/\s+/)).toEqual(['lo']);
    expect((await stdoutOf(plain.body['id'] as string)).trim().split(/\s+/)).toContain('eth0');
  });

  it.each([
    ['a backend type rather than a configured name', 'docker'],
    ['a name not configured', 'hpc'],
    ['a name of other case', 'Sealed'],
    ['an inherited property name', 'constructor'],
  ])('hostile: refuses a task naming %s with a typed 400 naming the configured ones', async (_label, name) => {
    for (const strict of [undefined, false, true]) {
      const { status, body } = await create({ backend: name }, strict);
      expect({ status, body }).toEqual({ status: 400, body: expect.objectContaining({ code: ErrorCode.TesInvalidTask }) });
      expect(body['message']).toContain('use one of "box", "sealed", or leave it out');
    }
  });

  it('keeps backend_parameters_strict: an unsupported key beside a good backend is dropped, or refused when strict', async () => {
    const dropped = await create({ backend: 'sealed', VmSize: 'huge' });
    expect(dropped.status).toBe(200);
    expect((await stdoutOf(dropped.body['id'] as string)).trim()).toBe('lo');
    const strict = await create({ backend: 'sealed', VmSize: 'huge' }, true);
    expect({ status: strict.status, code: strict.body['code'] }).toEqual({ status: 400, code: ErrorCode.TesUnsupportedBackendParameters });
  });
});

describe('the TES server over named backends refuses a host backend among them unless allowed', () => {
  it('refuses a configured local backend, naming the flag', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'capstan-multi-server-local-'));
    try {
      const configFile = join(dir, 'capstan.yaml');
      await writeFile(configFile, ['backend: box', 'backends:', '  box: { type: docker }', '  here: { type: local }', ''].join('\n'));
      const started = startTesServer({ configFile, flags: { 'api.dataDir': join(dir, 'data'), 'api.port': 0, 'api.auth.disabled': true }, cwd: dir, logStream: quiet });
      await expect(started).rejects.toMatchObject({ code: ErrorCode.InvalidConfig, message: expect.stringContaining('the here backend runs every client') });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
