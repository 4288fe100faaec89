import { ErrorCode } from '@capstan/core-constraints';
import { type RunningTesServer } from './tes-server';
import { configuredServer } from './testing/configured-server';

jest.setTimeout(90_000);

const IMAGE = 'capstan-test/busybox:1';
// What the executor prints says where it ran: on the host (the local backend), which sees the spec's folder, or in
// a Docker container, which does not (this machine may itself be a container: /.dockerenv tells nothing).
const where = (folder: string): string[] => ['sh', '-c', `if [ -d '${folder}' ]; then echo host; else echo docker; fi`];

interface TesTaskView {
  readonly state: string;
  readonly logs?: ReadonlyArray<{ readonly logs?: ReadonlyArray<{ readonly stdout?: string }>; readonly system_logs?: string[] }>;
}

/** A TES server over a local and a Docker backend whose routes: send tasks by their tags and size, as the engine does. */
describe('the TES server routes a task that names no backend by the engine\'s routes: (local and real Docker)', () => {
  let running: Awaited<ReturnType<typeof configuredServer>> | undefined;
  let dir = '';
  let server: RunningTesServer | undefined;
  beforeAll(async () => {
    const config = ['backend: box', 'backends:', '  box: { type: docker }', '  here: { type: local }', 'routes:', '  - { backend: here, when: { labels: { place: host } } }', '  - { backend: here, when: { minCpu: 2 } }', 'api:', '  runClientCommandsOnHost: true'];
    running = await configuredServer('capstan-tes-routes-i15rest-', config);
    ({ dir, server } = running);
  });
  afterAll(() => running?.close());

  async function ranOn(body: { tags?: Record<string, string>; resources?: Record<string, unknown> }): Promise<string> {
    const response = await fetch(`${server?.url}/tasks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ executors: [{ image: IMAGE, command: where(dir) }], ...body }) });
    expect(response.status).toBe(200);
    const { id } = (await response.json()) as { id: string };
    const deadline = Date.now() + 60_000;
    for (;;) {
      const task = (await (await fetch(`${server?.url}/tasks/${id}?view=FULL`)).json()) as TesTaskView;
      if (['COMPLETE', 'EXECUTOR_ERROR', 'SYSTEM_ERROR', 'CANCELED'].includes(task.state)) {
        // The local backend says it ran without the image; anything else in the system logs is a failure.
        expect([task.state, (task.logs?.[0]?.system_logs ?? []).filter((line) => !line.includes('runs the command on the host, without the container'))]).toEqual(['COMPLETE', []]);
        return (task.logs?.[0]?.logs?.[0]?.stdout ?? '').trim();
      }
      if (Date.now() > deadline) throw new Error(`task ${id} did not end within 60 s (state ${task.state})`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  it('sends a task by its tags (as labels) and by its size; the default takes the rest', async () => {
    const [tagged, big, plain] = await Promise.all([ranOn({ tags: { place: 'host' } }), ranOn({ resources: { cpu_cores: 2 } }), ranOn({})]);
    expect({ tagged, big, plain }).toEqual({ tagged: 'host', big: 'host', plain: 'docker' });
  });

  it('lets backend_parameters.backend win over every rule', async () => {
    expect(await ranOn({ tags: { place: 'host' }, resources: { cpu_cores: 2, backend_parameters: { backend: 'box' } } })).toBe('docker');
  });

  it('hostile: a tag named like the backend hint, or a label value of other case, routes nothing', async () => {
    const [hint, otherCase] = await Promise.all([ranOn({ tags: { backend: 'here' } }), ranOn({ tags: { place: 'HOST' } })]);
    expect({ hint, otherCase }).toEqual({ hint: 'docker', otherCase: 'docker' });
  });
});

describe('a TES server whose routes: name a backend it does not offer', () => {
  it('refuses to start with a typed config error naming the rule', async () => {
    const lines = ['backend: box', 'backends:', '  box: { type: docker }', '  sealed: { type: docker, network: none }', '  other: { type: docker }', 'routes:', '  - { backend: sealed, when: { minCpu: 4 } }', 'api:', '  selectableBackends: [other]'];
    await expect(configuredServer('capstan-tes-routes-bad-i15rest-', lines)).rejects.toMatchObject({ code: ErrorCode.InvalidConfig, path: 'routes.0.backend', message: expect.stringContaining('which this TES server does not offer (it offers "box", "other")') });
  });
});
