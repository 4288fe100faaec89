import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApps, containersWithLabel, type RunningApi, startApi, stopApi, until } from './testing/api-harness';

// The api app for real: the bundled server on 127.0.0.1 with the Docker backend, tasks in real containers.
jest.setTimeout(180_000);

const IMAGE = 'capstan-test/busybox:1';
const TOKEN = 'test-token-0123456789abcdef';

interface TaskView {
  id: string;
  state: string;
  name?: string;
  tags?: Record<string, string>;
  logs?: Array<{ logs: Array<{ exit_code: number; stdout?: string; stderr?: string; start_time?: string; end_time?: string }>; outputs: Array<{ url: string; path: string; size_bytes: string }>; system_logs?: string[]; start_time?: string; end_time?: string }>;
}

const FINAL = ['COMPLETE', 'EXECUTOR_ERROR', 'SYSTEM_ERROR', 'CANCELED', 'PREEMPTED'];

let folder: string;
let shared: string;
let api: RunningApi;

async function create(body: unknown, server = api): Promise<string> {
  const answer = await server.call('/tasks', { body });
  expect(answer).toMatchObject({ status: 200 });
  return (answer.body as { id: string }).id;
}

async function finished(id: string, server = api): Promise<TaskView> {
  return until(async () => {
    const answer = await server.call(`/tasks/${id}?view=FULL`);
    const task = answer.body as TaskView;
    return FINAL.includes(task.state) ? task : undefined;
  }, 120_000, `task ${id} to end`);
}

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'capstan-api-'));
  shared = join(folder, 'shared');
  await mkdir(shared, { recursive: true });
  await buildApps();
  // 127.0.0.1 is allow-listed for the http transfer test's server; hostile-create.spec.ts proves it is refused without.
  api = await startApi(['--backend', 'docker', '--data-dir', join(folder, 'data'), '--token', TOKEN, '--allow-root', shared, '--allow-address', '127.0.0.1/32'], { token: TOKEN });
});

afterAll(async () => {
  if (api !== undefined) await stopApi(api);
  await rm(folder, { recursive: true, force: true });
});

describe('tasks run to the end', () => {
  it('runs a task: file:// and content inputs, two executors sharing a volume, a file:// output, logs of each executor', async () => {
    await writeFile(join(shared, 'reads.txt'), 'ACGT\nTTGA\n');
    const id = await create({
      name: 'count reads',
      inputs: [
        { url: `file://${shared}/reads.txt`, path: '/data/reads.txt' },
        { content: 'suffix\n', path: '/work/extra.txt' },
      ],
      outputs: [{ url: `file://${shared}/out/count.txt`, path: '/work/count.txt' }],
      volumes: ['/work'],
      executors: [
        { image: IMAGE, command: ['sh', '-c', 'cat /data/reads.txt /work/extra.txt > /work/all.txt; echo first'] },
        { image: IMAGE, command: ['wc', '-l', 'all.txt'], workdir: '/work', stdout: '/work/count.txt', stderr: '/work/err.txt' },
      ],
    });
    const task = await finished(id);
    expect(task.state).toBe('COMPLETE');
    const log = task.logs?.[0];
    expect(log?.logs).toHaveLength(2);
    expect(log?.logs[0]).toMatchObject({ exit_code: 0, stdout: 'first\n', stderr: '' });
    expect(log?.logs[1]).toMatchObject({ exit_code: 0, stdout: '3 all.txt\n' });
    expect(log?.outputs).toEqual([{ url: `file://${shared}/out/count.txt`, path: '/work/count.txt', size_bytes: '10' }]);
    expect(await readFile(join(shared, 'out', 'count.txt'), 'utf8')).toBe('3 all.txt\n');
    for (const stamp of [log?.start_time, log?.end_time, log?.logs[0]?.start_time, log?.logs[1]?.end_time]) expect(Date.parse(stamp ?? '')).not.toBeNaN();
    expect(await containersWithLabel(`io.capstan.task=tes-${id}-e0`)).toEqual([]);
  });

  it('brings in a DIRECTORY input, feeds stdin, sets env, and uploads a DIRECTORY output file by file', async () => {
    await mkdir(join(shared, 'refdir', 'sub'), { recursive: true });
    await writeFile(join(shared, 'refdir', 'a.txt'), 'alpha\n');
    await writeFile(join(shared, 'refdir', 'sub', 'b.txt'), 'beta\n');
    const id = await create({
      inputs: [
        { url: `file://${shared}/refdir`, path: '/ref', type: 'DIRECTORY' },
        { content: 'from stdin\n', path: '/in/stdin.txt' },
      ],
      outputs: [{ url: `file://${shared}/dirout`, path: '/results', type: 'DIRECTORY' }],
      executors: [
        {
          image: IMAGE,
          command: ['sh', '-c', 'mkdir -p /results/deep; cat /ref/a.txt /ref/sub/b.txt > /results/both.txt; cat > /results/deep/stdin.txt; echo "$SAMPLE" > /results/env.txt'],
          stdin: '/in/stdin.txt',
          env: { SAMPLE: 'S42' },
        },
      ],
    });
    const task = await finished(id);
    expect(task.state).toBe('COMPLETE');
    expect(await readFile(join(shared, 'dirout', 'both.txt'), 'utf8')).toBe('alpha\nbeta\n');
    expect(await readFile(join(shared, 'dirout', 'deep', 'stdin.txt'), 'utf8')).toBe('from stdin\n');
    expect(await readFile(join(shared, 'dirout', 'env.txt'), 'utf8')).toBe('S42\n');
    expect([...(task.logs?.[0]?.outputs ?? [])].sort((a, b) => (a.path < b.path ? -1 : 1))).toEqual([
      { url: `file://${shared}/dirout/both.txt`, path: '/results/both.txt', size_bytes: '11' },
      { url: `file://${shared}/dirout/deep/stdin.txt`, path: '/results/deep/stdin.txt', size_bytes: '11' },
      { url: `file://${shared}/dirout/env.txt`, path: '/results/env.txt', size_bytes: '4' },
    ]);
  });

  it('stops at a failing executor (EXECUTOR_ERROR) unless it says ignore_error', async () => {
    const failing = { image: IMAGE, command: ['sh', '-c', 'echo broken >&2; exit 3'] };
    const after = { image: IMAGE, command: ['echo', 'after'] };
    const stopped = await finished(await create({ executors: [failing, after] }));
    expect(stopped.state).toBe('EXECUTOR_ERROR');
    expect(stopped.logs?.[0]?.logs).toEqual([expect.objectContaining({ exit_code: 3, stderr: 'broken\n' })]);

    const goesOn = await finished(await create({ executors: [{ ...failing, ignore_error: true }, after] }));
    expect(goesOn.state).toBe('COMPLETE');
    expect(goesOn.logs?.[0]?.logs.map((log) => [log.exit_code, log.stdout])).toEqual([
      [3, ''],
      [0, 'after\n'],
    ]);
  });

  it('uploads wildcard outputs with their path_prefix removed, one output file log per file', async () => {
    const id = await create({
      outputs: [{ url: `file://${shared}/glob`, path: '/out/*.txt', path_prefix: '/out/' }],
      executors: [{ image: IMAGE, command: ['sh', '-c', 'echo a > /out/a.txt; echo bb > /out/b.txt; echo no > /out/c.log'] }],
    });
    const task = await finished(id);
    expect(task.state).toBe('COMPLETE');
    expect(task.logs?.[0]?.outputs).toEqual([
      { url: `file://${shared}/glob/a.txt`, path: '/out/a.txt', size_bytes: '2' },
      { url: `file://${shared}/glob/b.txt`, path: '/out/b.txt', size_bytes: '3' },
    ]);
    expect(await readFile(join(shared, 'glob', 'b.txt'), 'utf8')).toBe('bb\n');
  });

  it('ends SYSTEM_ERROR, saying why in system_logs, when the image does not exist', async () => {
    const task = await finished(await create({ executors: [{ image: 'capstan-test/no-such-image:1', command: ['true'] }] }));
    expect(task.state).toBe('SYSTEM_ERROR');
    expect(task.logs?.[0]?.system_logs?.join('\n')).toContain('capstan-test/no-such-image:1');
  });
});

describe('transfer over http', () => {
  it('fetches an http input and PUTs an http output (a real server on 127.0.0.1), and never ships a link out of the task', async () => {
    const received = new Map<string, string>();
    const server = createServer((request, response) => {
      if (request.method === 'GET' && request.url === '/in/genome.fa') {
        response.end('>chr1\nACGT\n');
        return;
      }
      if (request.method === 'PUT') {
        let body = '';
        request.on('data', (chunk: Buffer) => (body += chunk.toString()));
        request.on('end', () => {
          received.set(request.url ?? '', body);
          response.statusCode = 201;
          response.end();
        });
        return;
      }
      response.statusCode = 404;
      response.end();
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    const { port } = server.address() as AddressInfo;
    try {
      const task = await finished(
        await create({
          inputs: [{ url: `http://127.0.0.1:${port}/in/genome.fa`, path: '/ref/genome.fa' }],
          outputs: [{ url: `http://127.0.0.1:${port}/out/lines.txt`, path: '/out/lines.txt' }],
          executors: [{ image: IMAGE, command: ['sh', '-c', 'grep -c . /ref/genome.fa > /out/lines.txt'] }],
        }),
      );
      expect(task.state).toBe('COMPLETE');
      expect(received.get('/out/lines.txt')).toBe('2\n');
      expect(task.logs?.[0]?.outputs).toEqual([{ url: `http://127.0.0.1:${port}/out/lines.txt`, path: '/out/lines.txt', size_bytes: '2' }]);

      await writeFile(join(folder, 'host-secret.txt'), 'not for the task');
      const escape = await finished(
        await create({
          outputs: [{ url: `http://127.0.0.1:${port}/out/escape`, path: '/out/escape', type: 'DIRECTORY' }],
          executors: [{ image: IMAGE, command: ['sh', '-c', `mkdir -p /out/escape && ln -s ${folder} /out/escape/host`] }],
        }),
      );
      expect(escape.state).toBe('SYSTEM_ERROR');
      expect([...received.values()].join('')).not.toContain('not for the task');
    } finally {
      server.close();
    }
  });
});

describe('cancel', () => {
  it('cancels a running task: CANCELED, and no container left', async () => {
    const id = await create({ executors: [{ image: IMAGE, command: ['sleep', '60'] }] });
    await until(async () => ((await api.call(`/tasks/${id}`)).body as TaskView).state === 'RUNNING' || undefined, 60_000, 'RUNNING');
    await until(async () => ((await containersWithLabel(`io.capstan.task=tes-${id}-e0`)).length > 0 ? true : undefined), 30_000, 'the container');
    expect(await api.call(`/tasks/${id}:cancel`, { method: 'POST', body: {} })).toMatchObject({ status: 200, body: {} });
    const task = await finished(id);
    expect(task.state).toBe('CANCELED');
    expect(await containersWithLabel(`io.capstan.task=tes-${id}-e0`)).toEqual([]);
    // A final task stays as it is.
    expect(await api.call(`/tasks/${id}:cancel`, { method: 'POST' })).toMatchObject({ status: 200 });
    expect(((await api.call(`/tasks/${id}`)).body as TaskView).state).toBe('CANCELED');
  });

  it('answers 404 for an unknown id', async () => {
    expect(await api.call('/tasks/01JNOSUCHTASK0000000000000:cancel', { method: 'POST' })).toMatchObject({ status: 404 });
    expect(await api.call('/tasks/01JNOSUCHTASK0000000000000')).toMatchObject({ status: 404 });
  });
});

describe('views and listing', () => {
  let ids: string[];
  const prefix = `list-${process.pid}-`;

  beforeAll(async () => {
    ids = [];
    for (let index = 0; index < 5; index += 1) {
      ids.push(
        await create({
          name: `${prefix}${index}`,
          tags: { batch: 'b1', parity: index % 2 === 0 ? 'even' : 'odd', ...(index === 4 ? { only: '' } : {}) },
          inputs: [{ content: 'secret-ish content', path: '/in/c.txt' }],
          executors: [{ image: IMAGE, command: ['echo', String(index)] }],
        }),
      );
    }
    for (const id of ids) await finished(id);
  });

  it('MINIMAL (default), BASIC and FULL hold what the spec says', async () => {
    const id = ids[0] as string;
    expect((await api.call(`/tasks/${id}`)).body).toEqual({ id, state: 'COMPLETE' });
    const basic = (await api.call(`/tasks/${id}?view=BASIC`)).body as TaskView & { inputs: Array<Record<string, unknown>> };
    expect(basic.name).toBe(`${prefix}0`);
    expect(basic.inputs[0]).not.toHaveProperty('content');
    expect(basic.logs?.[0]?.logs[0]).not.toHaveProperty('stdout');
    expect(basic.logs?.[0]).not.toHaveProperty('system_logs');
    const full = (await api.call(`/tasks/${id}?view=FULL`)).body as TaskView & { inputs: Array<Record<string, unknown>> };
    expect(full.inputs[0]).toHaveProperty('content', 'secret-ish content');
    expect(full.logs?.[0]?.logs[0]).toMatchObject({ stdout: '0\n' });
    expect(await api.call(`/tasks/${id}?view=EVERYTHING`)).toMatchObject({ status: 400 });
  });

  it('filters by name prefix, state and tags, and pages through more tasks than one page', async () => {
    const list = async (query: string): Promise<{ tasks: TaskView[]; next_page_token?: string }> => (await api.call(`/tasks?${query}`)).body as { tasks: TaskView[]; next_page_token?: string };
    const all = await list(`name_prefix=${prefix}&view=BASIC`);
    expect(all.tasks.map((task) => task.id)).toEqual([...ids].reverse());
    expect((await list(`name_prefix=${prefix}&tag_key=parity&tag_value=odd`)).tasks.map((task) => task.id)).toEqual([ids[3], ids[1]]);
    expect((await list(`name_prefix=${prefix}&tag_key=parity&tag_value=even&tag_key=batch&tag_value=b1`)).tasks).toHaveLength(3);
    expect((await list(`name_prefix=${prefix}&tag_key=only`)).tasks.map((task) => task.id)).toEqual([ids[4]]);
    expect((await list(`name_prefix=${prefix}&state=RUNNING`)).tasks).toEqual([]);
    expect((await list(`name_prefix=${prefix}&state=COMPLETE`)).tasks).toHaveLength(5);
    expect((await list(`name_prefix=${prefix}x`)).tasks).toEqual([]);

    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await list(`name_prefix=${prefix}&page_size=2${token === undefined ? '' : `&page_token=${encodeURIComponent(token)}`}`);
      seen.push(...page.tasks.map((task) => task.id));
      token = page.next_page_token;
      pages += 1;
      // Tasks created while paging do not shift the pages.
      if (pages === 1) await create({ name: `${prefix}late`, executors: [{ image: IMAGE, command: ['true'] }] });
    } while (token !== undefined);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());
  });
});

describe('invalid tasks are refused with 400, naming the field', () => {
  it.each([
    ['a relative input path', { inputs: [{ content: 'x', path: 'in.txt' }], executors: [{ image: IMAGE, command: ['true'] }] }, 'inputs.0.path'],
    ['an input with neither url nor content', { inputs: [{ path: '/in.txt' }], executors: [{ image: IMAGE, command: ['true'] }] }, 'inputs.0'],
    ['no executors', { executors: [] }, 'executors'],
    ['an empty image', { executors: [{ image: ' ', command: ['true'] }] }, 'executors.0.image'],
    ['an empty command', { executors: [{ image: IMAGE, command: [] }] }, 'executors.0.command'],
    ['an empty tag key', { tags: { '': 'v' }, executors: [{ image: IMAGE, command: ['true'] }] }, 'tags'],
    ['a file:// input outside the allowed roots', { inputs: [{ url: 'file:///etc/passwd', path: '/in/p' }], executors: [{ image: IMAGE, command: ['true'] }] }, 'inputs.0.url'],
    ['an s3:// output on a server given no s3 store', { outputs: [{ url: 's3://bucket/x', path: '/out/x' }], executors: [{ image: IMAGE, command: ['true'] }] }, 'outputs.0.url'],
    ["a path on Capstan's own work dir", { volumes: ['/mnt/task/work'], executors: [{ image: IMAGE, command: ['true'] }] }, 'volumes.0'],
  ])('%s', async (_case, body, field) => {
    const answer = await api.call('/tasks', { body });
    expect(answer.status).toBe(400);
    expect((answer.body as { path: string }).path).toMatch(new RegExp(`^${field.replace(/\./g, '\\.')}`));
    expect((answer.body as { message: string }).message.length).toBeGreaterThan(20);
  });

  it('a file:// input or output in a sibling folder whose name starts with an allowed root', async () => {
    const executors = [{ image: IMAGE, command: ['true'] }];
    const input = await api.call('/tasks', { body: { inputs: [{ url: `file://${shared}-evil/x`, path: '/in/x' }], executors } });
    const output = await api.call('/tasks', { body: { outputs: [{ url: `file://${shared}-evil/out`, path: '/out/x' }], executors } });
    expect([input.status, output.status]).toEqual([400, 400]);
    expect([(input.body as { path: string }).path, (output.body as { path: string }).path]).toEqual(['inputs.0.url', 'outputs.0.url']);
    expect((output.body as { message: string }).message).toContain(`outside the folders this server may write (${shared})`);
  });

  it('refuses malformed JSON with 400 and a body over the limit with 413', async () => {
    expect(await api.call('/tasks', { body: '{"executors": [' })).toMatchObject({ status: 400 });
    const big = JSON.stringify({ executors: [{ image: IMAGE, command: ['true'] }], inputs: [{ content: 'x'.repeat(5 * 1024 * 1024), path: '/in/big' }] });
    // Fastify answers an over-limit Content-Length before it reads the body, and may close the connection then: so
    // the headers go first and the body only if no answer came (writing it into a closing socket can reset the
    // connection before the answer is read, which once hung this test). A reset with no answer fails, never hangs.
    const answer = await new Promise<{ status: number; body: string }>((done, fail) => {
      let answered = false;
      const request = httpRequest(`${api.url}/tasks`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, 'content-length': Buffer.byteLength(big) } }, (response) => {
        answered = true;
        clearTimeout(sendBody);
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => {
          done({ status: response.statusCode ?? 0, body });
          request.destroy();
        });
      });
      request.on('error', (error: NodeJS.ErrnoException) => {
        if (answered) return;
        if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') fail(error);
        else setTimeout(() => answered || fail(new Error(`the connection was reset (${error.code}) and no answer came`)), 5_000);
      });
      request.flushHeaders();
      const sendBody = setTimeout(() => request.end(big), 2_000);
    });
    expect(answer.status).toBe(413);
    expect(answer.body).toContain('api.bodyLimitBytes');
  });
});

describe('authentication', () => {
  it('refuses requests without the token or with a wrong one, and serves them with it', async () => {
    expect(await api.call('/tasks', { token: null })).toMatchObject({ status: 401 });
    expect(await api.call('/tasks', { token: 'wrong-token-0123456789abcdef' })).toMatchObject({ status: 401 });
    expect(await api.call('/tasks')).toMatchObject({ status: 200 });
    expect((await api.call('/tasks', { token: null, body: { executors: [{ image: IMAGE, command: ['true'] }] } })).status).toBe(401);
    expect(api.output().stdout).not.toContain(TOKEN);
  });

  it('refuses to start without authentication on an address that is not loopback', async () => {
    const refused = await startApi(['--host', '0.0.0.0', '--no-auth', '--backend', 'docker', '--data-dir', join(folder, 'refused')]).catch((error: Error) => error);
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toMatch(/loopback/);
  });
});

describe('operations', () => {
  it('serves /metrics, the OpenAPI document and the docs page', async () => {
    const metrics = await fetch(`${api.url.replace('/ga4gh/tes/v1', '')}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const text = await metrics.text();
    expect(text).toMatch(/^capstan_tes_tasks\{state="COMPLETE"\} [1-9]/m);
    expect(text).toMatch(/^capstan_tes_task_queue_wait_seconds_count [1-9]/m);
    expect((await api.call('/openapi.json')).body).toMatchObject({ openapi: expect.stringMatching(/^3\./) });
    expect((await api.call('/docs', { token: null })).status).toBe(200);
  });

  it("reports the tes-server package's version in service-info, inlined in the bundle (no package.json beside it)", async () => {
    const { version } = JSON.parse(await readFile(join(__dirname, '..', '..', '..', 'libs', 'tes-server', 'package.json'), 'utf8')) as { version: string };
    expect((await api.call('/service-info', { token: null })).body).toMatchObject({ version, type: { artifact: 'tes', version: '1.1.0' } });
  });
});

describe('Capstan as a TES client: the tes backend against this server', () => {
  it('runs a task file with `capstan run --backend tes`: input in, stdout and outputs back, one list call per poll', async () => {
    const work = join(shared, 'client');
    await mkdir(work, { recursive: true });
    await writeFile(join(work, 'names.txt'), 'ada\ngrace\n');
    const taskFile = join(work, 'task.yaml');
    await writeFile(
      taskFile,
      [
        'name: via-tes',
        'command: |',
        '  sort -r /mnt/task/inputs/names.txt > sorted.txt',
        '  echo "sorted $(wc -l < sorted.txt) names"',
        '  echo "to stderr" >&2',
        'requirements:',
        `  container: ${IMAGE}`,
        '  cpu: 1',
        '  memory: 256 MiB',
        'hints:',
        '  shell: sh',
        'inputs:',
        '  - source: names.txt',
        'outputs:',
        '  - sorted.txt',
        '',
      ].join('\n'),
    );
    const env = { ...process.env, CAPSTAN_TES__URL: api.url, CAPSTAN_TES__AUTH__TYPE: 'bearer', CAPSTAN_TES__AUTH__TOKEN: TOKEN, CAPSTAN_TES__POLL_INTERVAL_MS: '200' };
    const { execFileAsync, cliBundle } = await import('./testing/api-harness');
    const before = api.output().stdout.split('\n').length;
    const { stdout } = await execFileAsync(process.execPath, [cliBundle, 'run', taskFile, '--backend', 'tes', '--work-root', join(work, 'runs'), '--json'], { cwd: work, env }).catch(
      (error: { stdout: string; stderr: string }) => {
        throw new Error(`capstan run failed:\n${error.stdout}\n${error.stderr}`);
      },
    );
    const result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { results: Array<{ state: string; exitCode: number; outputs: Array<{ path: string }>; folder: string; attempts: Array<{ folder: string }> }> };
    const task = result.results[0];
    expect(task).toMatchObject({ state: 'succeeded', exitCode: 0 });
    const attempt = task?.attempts[0]?.folder as string;
    expect(await readFile(join(attempt, 'work', 'sorted.txt'), 'utf8')).toBe('grace\nada\n');
    expect(await readFile(join(attempt, 'stdout'), 'utf8')).toBe('sorted 2 names\n');
    expect(await readFile(join(attempt, 'stderr'), 'utf8')).toBe('to stderr\n');
    // The client read task states by listing, never one GET per task while it ran.
    const requests = api.output().stdout.split('\n').slice(before).filter((line) => line.includes('"msg":"request"')).map((line) => JSON.parse(line) as { method: string; route: string });
    expect(requests.filter((request) => request.method === 'POST' && request.route === '/ga4gh/tes/v1/tasks')).toHaveLength(1);
    expect(requests.filter((request) => request.route === '/ga4gh/tes/v1/tasks' && request.method === 'GET').length).toBeGreaterThan(0);
    expect(requests.filter((request) => request.route === '/ga4gh/tes/v1/tasks/{id}').length).toBeLessThanOrEqual(2);
  });
});

describe('a restart loses nothing', () => {
  it('re-attaches to a running executor after a kill -9 of the server and goes on with the next one', async () => {
    const data = join(folder, 'restart-data');
    const args = ['--backend', 'docker', '--data-dir', data, '--no-auth'];
    const first = await startApi(args);
    const running = await create({ volumes: ['/v'], executors: [{ image: IMAGE, command: ['sh', '-c', 'sleep 3; echo slept > /v/x'] }, { image: IMAGE, command: ['cat', '/v/x'] }] }, first);
    await until(async () => ((await first.call(`/tasks/${running}`)).body as TaskView).state === 'RUNNING' || undefined, 60_000, 'RUNNING');
    await until(async () => ((await containersWithLabel(`io.capstan.task=tes-${running}-e0`)).length > 0 ? true : undefined), 30_000, 'the container');
    await stopApi(first, 'SIGKILL');

    const second = await startApi(args);
    try {
      const task = await finished(running, second);
      expect(task.state).toBe('COMPLETE');
      expect(task.logs?.[0]?.logs.map((log) => [log.exit_code, log.stdout])).toEqual([
        [0, ''],
        [0, 'slept\n'],
      ]);
      expect(task.logs?.[0]?.system_logs?.join('\n')).toContain('re-attached');
      expect(await containersWithLabel(`io.capstan.task=tes-${running}-e0`)).toEqual([]);
    } finally {
      await stopApi(second);
    }
  });

  it('runs tasks still QUEUED after a restart, and ends SYSTEM_ERROR a RUNNING one whose container is gone', async () => {
    const data = join(folder, 'queued-data');
    const config = join(folder, 'one-at-a-time.yaml');
    await writeFile(config, 'api:\n  maxRunningTasks: 1\n');
    const args = ['--backend', 'docker', '--data-dir', data, '--no-auth', '--config', config];
    const first = await startApi(args);
    const blocker = await create({ executors: [{ image: IMAGE, command: ['sleep', '30'] }] }, first);
    const queued = [await create({ executors: [{ image: IMAGE, command: ['echo', 'q1'] }] }, first), await create({ executors: [{ image: IMAGE, command: ['echo', 'q2'] }] }, first)];
    // RUNNING: its container started and the store says so (a task whose start was not recorded would run again).
    await until(async () => ((await first.call(`/tasks/${blocker}`)).body as TaskView).state === 'RUNNING' || undefined, 60_000, 'RUNNING');
    await until(async () => ((await containersWithLabel(`io.capstan.task=tes-${blocker}-e0`)).length > 0 ? true : undefined), 30_000, 'the container');
    for (const id of queued) expect(((await first.call(`/tasks/${id}`)).body as TaskView).state).toBe('QUEUED');
    await stopApi(first, 'SIGKILL');
    for (const id of await containersWithLabel(`io.capstan.task=tes-${blocker}-e0`)) await execDocker(['rm', '-f', id]);

    const second = await startApi(args);
    try {
      const lost = await finished(blocker, second);
      expect(lost.state).toBe('SYSTEM_ERROR');
      expect(lost.logs?.[0]?.system_logs?.join('\n')).toMatch(/restarted/);
      for (const id of queued) expect((await finished(id, second)).state).toBe('COMPLETE');
    } finally {
      await stopApi(second);
    }
  });
});

async function execDocker(args: string[]): Promise<void> {
  const { execFileAsync } = await import('./testing/api-harness');
  await execFileAsync('docker', args);
}
