import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApps, type RunningApi, startApi, stopApi, until } from './testing/api-harness';

// A hostile TES client against the bundled server (docker backend, 127.0.0.1, no address allow-listed): what it sends
// is refused at creation with a 400 naming the field, what can only be judged when fetched (a name) fails the task
// without fetching, and the credentials its URLs carry are never shown back nor logged.
jest.setTimeout(180_000);

const IMAGE = 'capstan-test/busybox:1';
const TOKEN = 'hostile-test-token-0123456789';
const FINAL = ['COMPLETE', 'EXECUTOR_ERROR', 'SYSTEM_ERROR', 'CANCELED', 'PREEMPTED'];

interface TaskView {
  id: string;
  state: string;
  inputs?: Array<{ url?: string }>;
  logs?: Array<{ system_logs?: string[] }>;
}

let folder: string;
let api: RunningApi;
/** A loopback-only service a task must not reach: it counts its requests and answers with a secret. */
let internal: Server;
let internalRequests = 0;

const executor = { image: IMAGE, command: ['true'] };

async function taskCount(): Promise<number> {
  let count = 0;
  let token: string | undefined;
  do {
    const answer = await api.call(`/tasks?page_size=2047${token === undefined ? '' : `&page_token=${token}`}`);
    const page = answer.body as { tasks: unknown[]; next_page_token?: string };
    count += page.tasks.length;
    token = page.next_page_token;
  } while (token !== undefined);
  return count;
}

async function finished(id: string): Promise<TaskView> {
  return until(async () => {
    const task = (await api.call(`/tasks/${id}?view=FULL`)).body as TaskView;
    return FINAL.includes(task.state) ? task : undefined;
  }, 120_000, `task ${id} to end`);
}

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'capstan-hostile-'));
  internal = createServer((_request, response) => {
    internalRequests += 1;
    response.end('INTERNAL-SECRET-PAYLOAD');
  });
  await new Promise<void>((listening) => internal.listen(0, '127.0.0.1', listening));
  await buildApps();
  api = await startApi(['--backend', 'docker', '--data-dir', join(folder, 'data'), '--token', TOKEN], { token: TOKEN });
});

afterAll(async () => {
  if (api !== undefined) await stopApi(api);
  await new Promise<void>((closed) => internal.close(() => closed()));
  await rm(folder, { recursive: true, force: true });
});

describe('refused at creation with a 400 naming the field and the value', () => {
  const many = (count: number, item: (index: number) => unknown): unknown[] => Array.from({ length: count }, (_, index) => item(index));
  it.each<[string, Record<string, unknown>, string, string]>([
    ['an option as the image', { executors: [{ ...executor, image: '--privileged' }] }, 'executors.0.image', '"--privileged", not a Docker image reference'],
    ['an image with a space', { executors: [executor, { ...executor, image: 'busy box' }] }, 'executors.1.image', '"busy box", not a Docker image reference'],
    ['an upper-case image', { executors: [{ ...executor, image: 'UPPER/x' }] }, 'executors.0.image', '"UPPER/x"'],
    ['the any-container image', { executors: [{ ...executor, image: '*' }] }, 'executors.0.image', 'not a Docker image reference'],
    ['an empty image', { executors: [{ ...executor, image: '' }] }, 'executors.0.image', 'is ""'],
    ['a NUL in an argument', { executors: [{ ...executor, command: ['sh', '-c', 'echo a\u0000b'] }] }, 'executors.0.command.2', 'NUL byte'],
    ['a NUL in env', { executors: [{ ...executor, env: { A: 'x\u0000' } }] }, 'executors.0.env.A', 'NUL byte'],
    ['a bind option smuggled in a volume', { executors: [executor], volumes: ['/data:/host:rw'] }, 'volumes.0', 'holds ":"'],
    ['a volume over /proc', { executors: [executor], volumes: ['/proc/sys'] }, 'volumes.0', 'under /proc'],
    ['an input over /dev', { executors: [executor], inputs: [{ content: 'x', path: '/dev/sda' }] }, 'inputs.0.path', 'under /dev'],
    ['an output path climbing out', { executors: [executor], outputs: [{ url: 'https://example.org/o', path: '/data/../../etc/shadow' }] }, 'outputs.0.path', '".." component'],
    ['stdout with a ":"', { executors: [{ ...executor, stdout: '/logs/out:z' }] }, 'executors.0.stdout', 'holds ":"'],
    ['an input path ending in a space, beside the same path without it', { executors: [executor], inputs: [{ content: 'x', path: '/data/in/a' }, { content: 'y', path: '/data/in/a ' }] }, 'inputs.1.path', 'ends with white space'],
    ['too many executors', { executors: many(65, () => executor) }, 'executors', 'has 65 executors, more than the limit of 64'],
    ['too many argv elements', { executors: [{ ...executor, command: many(4097, () => 'x') }] }, 'executors.0.command', 'more than the limit of 4096'],
    ['the cloud metadata address', { executors: [executor], inputs: [{ url: 'http://169.254.169.254/latest/meta-data/iam', path: '/in/x' }] }, 'inputs.0.url', '169.254.169.254, a link-local'],
    ['a loopback output', { executors: [executor], outputs: [{ url: 'http://[::1]:8080/up', path: '/out/x' }] }, 'outputs.0.url', '::1, a loopback'],
    ['a private address', { executors: [executor], inputs: [{ url: 'http://u:pw-SECRET@10.0.0.8/x', path: '/in/x' }] }, 'inputs.0.url', '10.0.0.8, a private'],
  ])('%s', async (_label, body, field, text) => {
    const before = await taskCount();
    const answer = await api.call('/tasks', { body });
    expect(answer.status).toBe(400);
    const message = (answer.body as { message?: string }).message ?? answer.text;
    expect(message).toContain(field);
    expect(message).toContain(text);
    expect(answer.text).not.toContain('pw-SECRET');
    expect(answer.text.length).toBeLessThan(2_000); // the value is shortened, not echoed whole
    expect(await taskCount()).toBe(before);
  });
});

describe('judged when fetched, never fetched', () => {
  it('ends a task whose input names a loopback host SYSTEM_ERROR, saying why, without a request or its content', async () => {
    const { port } = internal.address() as AddressInfo;
    const created = await api.call('/tasks', {
      body: { inputs: [{ url: `http://localhost:${port}/admin`, path: '/in/admin' }], executors: [{ ...executor, command: ['cat', '/in/admin'] }] },
    });
    expect(created.status).toBe(200);
    const task = await finished((created.body as { id: string }).id);
    expect(task.state).toBe('SYSTEM_ERROR');
    const systemLogs = task.logs?.at(-1)?.system_logs?.join('\n') ?? '';
    expect(systemLogs).toMatch(/inputs\.0\.url: http:\/\/localhost:\d+\/admin leads to (127\.0\.0\.1|::1), a loopback/);
    expect(systemLogs).toContain('transfer.allowAddresses');
    expect(JSON.stringify(task)).not.toContain('INTERNAL-SECRET-PAYLOAD');
    expect(internalRequests).toBe(0);
  });
});

describe('credentials in URLs', () => {
  it('are never shown in BASIC, FULL or a listing, nor logged', async () => {
    const url = 'https://reader:pa55-SECRET@data.invalid/reads.fq?X-Amz-Credential=AKIA-SECRET&X-Amz-Signature=SIG-SECRET&v=1';
    const created = await api.call('/tasks', {
      body: {
        name: 'secret-urls',
        inputs: [{ url, path: '/in/reads.fq' }],
        outputs: [{ url: 'https://up.invalid/out?sig=OUT-SECRET&access_token=TOK-SECRET', path: '/out/x' }],
        executors: [executor],
      },
    });
    expect(created.status).toBe(200);
    const id = (created.body as { id: string }).id;
    const task = await finished(id); // data.invalid never resolves: the transfer fails, naming the redacted URL
    expect(task.state).toBe('SYSTEM_ERROR');
    const views = [
      (await api.call(`/tasks/${id}?view=BASIC`)).text,
      (await api.call(`/tasks/${id}?view=FULL`)).text,
      (await api.call('/tasks?view=FULL&name_prefix=secret-urls')).text,
      (await api.call('/tasks?view=BASIC&name_prefix=secret-urls')).text,
    ];
    for (const text of views) {
      expect(text).toContain('https://***@data.invalid/reads.fq?X-Amz-Credential=***&X-Amz-Signature=***&v=1');
      expect(text).toContain('https://up.invalid/out?sig=***&access_token=***');
    }
    const { stdout, stderr } = api.output();
    expect([...views, stdout, stderr].join('\n')).not.toMatch(/SECRET/);
  });
});
