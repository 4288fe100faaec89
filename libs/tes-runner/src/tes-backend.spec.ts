import { readFile } from 'node:fs/promises';
import { TesBackend } from './tes-backend';
import { eventLog } from './testing/attempt-fixture';
import { Harness } from './testing/harness';

let harness: Harness;

afterEach(async () => {
  await harness.dispose();
});

describe('TesBackend.execute against a TES server', () => {
  beforeEach(async () => {
    harness = await Harness.start();
  });

  it('runs an attempt as one tagged task and reads its end from the list, with one FULL read for its logs', async () => {
    const { server } = harness;
    server.drive(() => ({ state: 'COMPLETE', exitCode: 0, stdout: 'hello\n', stderr: 'note\n' }));
    const backend = harness.backend();
    const request = await harness.request('run-7', { env: { GREETING: 'hi' } });
    const execution = harness.execute(backend, request);
    const result = await execution.result;

    expect(result).toMatchObject({ exitCode: 0, endReason: 'exited' });
    const [task] = [...server.tasks.values()];
    expect(execution.events).toEqual([{ type: 'started', id: task?.id }]);
    expect(await readFile(request.paths.stdoutFile, 'utf8')).toBe('hello\n');
    expect(await readFile(request.paths.stderrFile, 'utf8')).toBe('note\n');
    expect(task).toMatchObject({
      name: request.attemptName,
      executors: [{ image: 'capstan-test/busybox:1', command: ['sh', '/mnt/tes-task/command'], env: { GREETING: 'hi' } }],
      tags: { 'io.capstan.run-id': 'run-7', 'io.capstan.tes-client': backend.instanceTag.value },
    });
    expect(task?.inputs[0]).toMatchObject({ path: '/mnt/tes-task/command', content: 'echo hello\n' });
    expect(server.count('create')).toBe(1);
    expect(server.requests.filter((r) => r.kind === 'get').map((r) => r.query.get('view'))).toEqual(['FULL']);
    for (const list of server.requests.filter((r) => r.kind === 'list')) {
      expect([list.query.getAll('tag_key'), list.query.getAll('tag_value'), list.query.get('view')]).toEqual([['io.capstan.tes-client'], [backend.instanceTag.value], 'BASIC']);
    }
  });

  it('stops polling when no task is in flight', async () => {
    harness.server.drive(() => ({ state: 'COMPLETE', exitCode: 0 }));
    const backend = harness.backend();
    expect(backend.poller?.active).toBe(false);
    const execution = harness.execute(backend, await harness.request());
    await execution.first('started');
    expect(backend.poller?.active).toBe(true);
    await execution.result;
    await backend.poller?.idle();
    expect(backend.poller?.active).toBe(false);
  });

  it('reads EXECUTOR_ERROR as an exit with the executor\'s code', async () => {
    harness.server.drive(() => ({ state: 'EXECUTOR_ERROR', exitCode: 3 }));
    const result = await harness.execute(harness.backend(), await harness.request()).result;
    expect(result).toMatchObject({ exitCode: 3, endReason: 'exited' });
  });

  it('reads SYSTEM_ERROR as error with the system logs, also sent as warnings', async () => {
    harness.server.drive(() => ({ state: 'SYSTEM_ERROR', systemLogs: ['image capstan-test/busybox:1 not found', 'giving up'] }));
    const execution = harness.execute(harness.backend(), await harness.request());
    expect(await execution.result).toMatchObject({ exitCode: null, endReason: 'error', message: 'image capstan-test/busybox:1 not found; giving up' });
    expect(execution.events.filter((e) => e.type === 'warning')).toEqual([
      { type: 'warning', message: 'image capstan-test/busybox:1 not found' },
      { type: 'warning', message: 'giving up' },
    ]);
  });

  it.each([
    ['PREEMPTED', 'preempted'],
    ['CANCELED', 'canceled'],
  ] as const)('reads a task the server ended %s as %s', async (state, endReason) => {
    harness.server.drive(() => ({ state }));
    expect(await harness.execute(harness.backend(), await harness.request()).result).toMatchObject({ exitCode: null, endReason });
  });

  it('ends an attempt whose task the server lost as lost, after one look-up by id', async () => {
    const { server } = harness;
    server.drive((task) => {
      server.forget(task.id);
      return undefined;
    });
    const result = await harness.execute(harness.backend(), await harness.request()).result;
    expect(result).toMatchObject({ exitCode: null, endReason: 'lost', message: expect.stringContaining('no longer knows task') });
    expect(server.requests.filter((r) => r.kind === 'get').map((r) => r.query.get('view'))).toEqual(['BASIC']);
  });

  it('writes the log text of a server that did not deliver the streams, with a warning', async () => {
    harness.server.drive(() => ({ state: 'COMPLETE', exitCode: 0, stdout: 'from the log\n', deliver: false }));
    const request = await harness.request();
    const execution = harness.execute(harness.backend(), request);
    await execution.result;
    expect(await readFile(request.paths.stdoutFile, 'utf8')).toBe('from the log\n');
    expect(execution.events).toContainEqual({ type: 'warning', message: expect.stringContaining(`did not deliver stdout to ${request.paths.stdoutFile}`) });
  });

  it('finds a task the tag filter misses by its id, and says so once', async () => {
    const { server } = harness;
    let polls = 0;
    server.onCreate = (task) => {
      task.tags = {};
    };
    server.drive(() => (++polls >= 3 ? { state: 'COMPLETE', exitCode: 0 } : undefined));
    const execution = harness.execute(harness.backend(), await harness.request());
    expect(await execution.result).toMatchObject({ exitCode: 0, endReason: 'exited' });
    expect(execution.events.filter((e) => e.type === 'warning' && e.message.includes('missing from the server\'s list'))).toHaveLength(1);
  });

  it('submits nothing when canceled before it starts', async () => {
    const backend = harness.backend();
    const controller = new AbortController();
    controller.abort();
    const result = await backend.execute(await harness.request(), controller.signal, eventLog().emit);
    expect(result).toMatchObject({ exitCode: null, endReason: 'canceled' });
    expect(harness.server.count('create')).toBe(0);
  });

  it('refuses a missing input before submitting anything', async () => {
    const request = await harness.request('run-1', { inputs: [{ hostPath: '/nonexistent/capstan/ref.fa', guestPath: '/mnt/task/inputs/ref.fa', type: 'file' }] });
    await expect(harness.backend().execute(request, new AbortController().signal, eventLog().emit)).rejects.toMatchObject({ code: 'value.invalid', path: 'inputs.0' });
    expect(harness.server.count('create')).toBe(0);
  });

  it('sends inputs as file:// URLs of their host paths at their guest paths', async () => {
    harness.server.drive(() => ({ state: 'COMPLETE', exitCode: 0 }));
    const request = await harness.request('run-1', { inputs: [{ hostPath: harness.fixture.root, guestPath: '/data', type: 'directory' }] });
    await harness.execute(harness.backend(), request).result;
    expect([...harness.server.tasks.values()][0]?.inputs).toContainEqual({ path: '/data', url: `file://${harness.fixture.root}`, type: 'DIRECTORY' });
  });

  it('refuses to run without a url, naming the setting', async () => {
    const backend = new TesBackend({});
    await expect(backend.execute(await harness.request(), new AbortController().signal, eventLog().emit)).rejects.toMatchObject({ code: 'config.invalid', path: 'tes.url' });
  });
});

describe('TesBackend stopping a task', () => {
  it('forwards a cancel and waits for the server to end the task', async () => {
    harness = await Harness.start();
    const { server } = harness;
    server.drive(() => undefined);
    const backend = harness.backend();
    const execution = harness.execute(backend, await harness.request('run-c'));
    await execution.first('started');
    execution.cancel.abort();
    expect(await execution.result).toMatchObject({ endReason: 'canceled', message: expect.stringContaining('ended CANCELED') });
    expect(server.count('cancel')).toBe(1);
    expect([...server.tasks.values()].map((task) => task.state)).toEqual(['CANCELED']);
    expect(await backend.listManaged({ 'io.capstan.run-id': 'run-c' })).toEqual([]);
  });

  it('cancels a task past its timeout, counted from RUNNING, with end reason timeout', async () => {
    harness = await Harness.start();
    harness.server.drive(() => undefined);
    const execution = harness.execute(harness.backend(), await harness.request('run-t', { timeoutMs: 1 }));
    expect(await execution.result).toMatchObject({ endReason: 'timeout', message: expect.stringContaining('exceeded the timeout') });
    expect(harness.server.count('cancel')).toBe(1);
  });

  it('gives up waiting for a cancel the server never finishes after cancelWaitMs', async () => {
    harness = await Harness.start({ cancelCompletes: false });
    harness.server.drive(() => undefined);
    const execution = harness.execute(harness.backend({ cancelWaitMs: 1 }), await harness.request());
    await execution.first('started');
    execution.cancel.abort();
    expect(await execution.result).toMatchObject({ exitCode: null, endReason: 'canceled', message: expect.stringContaining('had not ended it') });
    expect([...harness.server.tasks.values()].map((task) => task.state)).toEqual(['CANCELING']);
  });

  it('does not wait at all once stopNow aborts', async () => {
    harness = await Harness.start({ cancelCompletes: false });
    harness.server.drive(() => undefined);
    const execution = harness.execute(harness.backend({ cancelWaitMs: 3_600_000 }), await harness.request());
    await execution.first('started');
    execution.cancel.abort();
    execution.stopNow.abort();
    expect(await execution.result).toMatchObject({ endReason: 'canceled', message: expect.stringContaining('stopped at once') });
    expect(harness.server.count('cancel')).toBe(1);
  });
});

describe('TesBackend over an unreliable server', () => {
  it('retries a create answered 503 and 429, creating one task', async () => {
    harness = await Harness.start();
    const { server } = harness;
    server.inject('create', { status: 503 }, { status: 429, headers: { 'retry-after': '0' } });
    server.drive(() => ({ state: 'COMPLETE', exitCode: 0 }));
    expect(await harness.execute(harness.backend(), await harness.request()).result).toMatchObject({ exitCode: 0 });
    expect([server.count('create'), server.tasks.size]).toEqual([3, 1]);
  });

  it('does not double a task whose create succeeded but whose answer was lost', async () => {
    harness = await Harness.start();
    const { server } = harness;
    server.inject('create', { status: 502, afterCreate: true });
    server.drive(() => ({ state: 'COMPLETE', exitCode: 0 }));
    expect(await harness.execute(harness.backend(), await harness.request()).result).toMatchObject({ exitCode: 0 });
    expect([server.count('create'), server.tasks.size]).toEqual([1, 1]);
  });

  it('retries a list call whose connection was cut, silently', async () => {
    harness = await Harness.start();
    harness.server.inject('list', 'reset');
    harness.server.drive(() => ({ state: 'COMPLETE', exitCode: 0 }));
    const execution = harness.execute(harness.backend(), await harness.request());
    expect(await execution.result).toMatchObject({ exitCode: 0 });
    expect(execution.events.filter((e) => e.type === 'warning')).toEqual([]);
  });

  it('warns once while polls fail, and goes on when the server is back', async () => {
    harness = await Harness.start();
    harness.server.inject('list', { status: 500 }, { status: 503 }, 'reset');
    harness.server.drive(() => ({ state: 'COMPLETE', exitCode: 0 }));
    const execution = harness.execute(harness.backend({ retries: 0 }), await harness.request());
    expect(await execution.result).toMatchObject({ exitCode: 0 });
    expect(execution.events.filter((e) => e.type === 'warning')).toEqual([{ type: 'warning', message: expect.stringContaining('polling the TES server failed (GET /tasks to the TES server') }]);
  });

  it('ends attempts as lost when the server cannot be polled for unreachableTimeoutMs', async () => {
    harness = await Harness.start();
    harness.server.inject('list', 'reset');
    const execution = harness.execute(harness.backend({ retries: 0, unreachableTimeoutMs: 0 }), await harness.request());
    expect(await execution.result).toMatchObject({ endReason: 'lost', message: expect.stringContaining('could not be polled') });
  });

  it('fails the attempt when polling is refused (401), naming the fix', async () => {
    harness = await Harness.start();
    harness.server.inject('list', { status: 401, body: { code: 'http.unauthorized', message: 'token expired', path: null, status: 401 } });
    const execution = harness.execute(harness.backend(), await harness.request());
    await expect(execution.result).rejects.toMatchObject({ code: 'backend.unavailable', message: expect.stringContaining('token expired; set tes.auth') });
  });

  it('refuses a task the server refuses, naming the field from the server\'s error body', async () => {
    harness = await Harness.start();
    harness.server.inject('create', { status: 400, body: { code: 'transfer.refused', message: 'inputs.1.url is outside the allowed roots', path: 'inputs.1.url', status: 400 } });
    const execution = harness.execute(harness.backend(), await harness.request());
    await expect(execution.result).rejects.toMatchObject({ code: 'transfer.refused', path: 'inputs.1.url', message: expect.stringContaining('outside the allowed roots') });
    expect(harness.server.count('create')).toBe(1);
  });
});

describe('TesBackend credentials', () => {
  it('sends a bearer token with every request and never puts it in an error', async () => {
    harness = await Harness.start({ bearerToken: 'tok-123' });
    const { server } = harness;
    server.drive(() => ({ state: 'COMPLETE', exitCode: 0 }));
    const result = await harness.execute(harness.backend({ auth: { type: 'bearer', token: 'tok-123' } }), await harness.request()).result;
    expect(result).toMatchObject({ exitCode: 0 });
    expect(new Set(server.requests.map((r) => r.authorization))).toEqual(new Set(['Bearer tok-123']));
    server.inject('create', { status: 400, body: { error: 'tok-123 is not allowed to create tasks' } });
    const refused = harness.execute(harness.backend({ auth: { type: 'bearer', token: 'tok-123' } }), await harness.request()).result;
    await expect(refused).rejects.toMatchObject({ message: expect.stringContaining('[redacted] is not allowed') });
    await expect(refused).rejects.toMatchObject({ message: expect.not.stringContaining('tok-123') });
  });

  it('sends basic credentials', async () => {
    harness = await Harness.start({ basic: { username: 'ada', password: 'pw' } });
    harness.server.drive(() => ({ state: 'COMPLETE', exitCode: 0 }));
    const result = await harness.execute(harness.backend({ auth: { type: 'basic', username: 'ada', password: 'pw' } }), await harness.request()).result;
    expect(result).toMatchObject({ exitCode: 0 });
  });
});

describe('TesBackend.probe and capacity', () => {
  it('reports the service and its version', async () => {
    harness = await Harness.start({ bearerToken: 't' });
    const probe = await harness.backend({ auth: { type: 'bearer', token: 't' } }).probe();
    expect(probe).toEqual({ available: true, version: 'Fake TES 0.0.1 (TES 1.1.0)', problems: [], details: { url: harness.server.url, id: 'org.example.fake-tes', organization: 'Capstan tests', tesVersion: '1.1.0', auth: 'bearer' } });
  });

  it('finds refused credentials even when service-info is open to all', async () => {
    harness = await Harness.start({ bearerToken: 'right', publicServiceInfo: true });
    const probe = await harness.backend({ auth: { type: 'bearer', token: 'wrong' } }).probe();
    expect(probe).toMatchObject({ available: false, problems: [expect.stringContaining('set tes.auth')] });
    expect(JSON.stringify(probe)).not.toContain('wrong');
  });

  it('says when the server does not answer, naming the url', async () => {
    harness = await Harness.start();
    const url = harness.server.url;
    await harness.dispose();
    const probe = await new TesBackend({ url, retryDelayMs: 1 }).probe();
    expect(probe).toMatchObject({ available: false, problems: [expect.stringMatching(/GET \/service-info to the TES server at .* failed once \(last: connect ECONNREFUSED/)] });
    harness = await Harness.start();
  });

  it('does not follow a redirect (it could carry the credentials elsewhere), and says where to point tes.url', async () => {
    harness = await Harness.start();
    harness.server.inject('service-info', { status: 308, headers: { location: 'https://tes.example.org/ga4gh/tes/v1/service-info' } });
    const probe = await harness.backend({ auth: { type: 'bearer', token: 't' } }).probe();
    expect(probe).toMatchObject({ available: false, problems: [expect.stringContaining('a redirect to https://tes.example.org/ga4gh/tes/v1/service-info; set tes.url')] });
    expect(harness.server.count('service-info')).toBe(1);
  });

  it('says what to set when no url is configured', async () => {
    harness = await Harness.start();
    expect(await new TesBackend().probe()).toMatchObject({ available: false, problems: [expect.stringContaining('tes.url is not set')] });
  });

  it('takes its capacity from the configuration', async () => {
    harness = await Harness.start();
    expect(await harness.backend({ maxCpuPerTask: 8, maxMemoryPerTask: '16 GiB' }).capacity()).toEqual({
      total: { cpu: 8, memory: 16 * 1024 ** 3, gpu: 0 },
      perTaskMax: { cpu: 8, memory: 16 * 1024 ** 3, gpu: 0 },
      fpga: 0,
      containerKinds: ['docker'],
    });
  });
});

describe('TesBackend.listManaged and removeManaged', () => {
  it('lists unfinished tasks by their labels and cancels one', async () => {
    harness = await Harness.start();
    const { server } = harness;
    server.drive(() => undefined);
    const backend = harness.backend();
    const mine = harness.execute(backend, await harness.request('run-a'));
    const other = harness.execute(backend, await harness.request('run-b'));
    await Promise.all([mine.first('started'), other.first('started')]);

    const found = await new TesBackend({ url: server.url }).listManaged({ 'io.capstan.run-id': 'run-a' });
    expect(found).toEqual([{ id: expect.any(String), name: expect.stringMatching(/^task-\d-a1b2c3d4e5f6$/), labels: expect.objectContaining({ 'io.capstan.run-id': 'run-a' }), state: 'RUNNING' }]);
    await backend.removeManaged(found[0] as (typeof found)[number]);
    expect(await mine.result).toMatchObject({ endReason: 'canceled', message: expect.stringContaining('canceled on the server, not by Capstan') });
    expect(await backend.listManaged({ 'io.capstan.run-id': 'run-a' })).toEqual([]);
    expect(await backend.listManaged({ 'io.capstan.run-id': 'run-b' })).toHaveLength(1);
    await backend.removeManaged({ id: 'no-such-task', name: 'x', labels: {}, state: 'RUNNING' });
  });
});
