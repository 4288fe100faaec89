import { hostChanges, type HostFixture, makeHostFixture } from '@capstan/backend-test-kit';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApps, type RunningApi, startApi, stopApi, until } from './testing/api-harness';

// Hostile tasks through the TES API on the real Docker engine: each replaces a file the server later reads, copies
// or deletes. Every case checks the refusal (no host content anywhere, a system log naming the path) and that the
// host is untouched.
jest.setTimeout(180_000);

/** The vectors are host-side, so every container backend the server runs on meets them; both daemons run here. */
const BACKENDS: ReadonlyArray<readonly [string, string]> = [
  ['docker', 'capstan-test/busybox:1'],
  ['podman', 'localhost/capstan-test/busybox:1'],
];
const TOKEN = 'hostile-files-token-0123456789abcdef';
const SECRET = 'host secret: never in a task view\n';

interface HostileView {
  state: string;
  logs?: Array<{ logs: Array<{ stdout?: string; stderr?: string }>; outputs: Array<{ path: string }>; system_logs?: string[] }>;
}

let base: string;
let host: HostFixture;
let hostFolder: string;
let secretFile: string;
let results: string;
let api: RunningApi;

/** Creates a task and waits for its end; returns the FULL view and the whole answer text (every field searched). */
async function runTask(body: unknown): Promise<{ view: HostileView; text: string; systemLogs: string }> {
  const created = await api.call('/tasks', { body });
  expect(created.status).toBe(200);
  const id = (created.body as { id: string }).id;
  const answer = await until(async () => {
    const got = await api.call(`/tasks/${id}?view=FULL`);
    return ['COMPLETE', 'EXECUTOR_ERROR', 'SYSTEM_ERROR', 'CANCELED'].includes((got.body as HostileView).state) ? got : undefined;
  }, 120_000, `task ${id} to end`);
  const view = answer.body as HostileView;
  return { view, text: answer.text, systemLogs: (view.logs ?? []).flatMap((log) => log.system_logs ?? []).join('\n') };
}

async function hostUntouched(): Promise<void> {
  expect(await hostChanges(host)).toEqual([]);
}

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'capstan-hostile-api-'));
  results = join(base, 'results');
  host = await makeHostFixture(base, SECRET);
  hostFolder = host.folder;
  secretFile = host.secretFile;
  await mkdir(results);
  await buildApps();
});

afterAll(() => rm(base, { recursive: true, force: true }));

describe.each(BACKENDS)('on %s', (backend, IMAGE) => {
  let data: string;
  beforeAll(async () => {
    data = join(base, `data-${backend}`);
    api = await startApi(['--backend', backend, '--data-dir', data, '--token', TOKEN, '--allow-root', results], { token: TOKEN });
  });
  afterAll(async () => {
    if (api !== undefined) await stopApi(api);
  });

  describe('executor stdout/stderr files replaced by the task', () => {
    it('a link to a host secret and to /etc/shadow: no host content in the view, a system log naming each path', async () => {
      const shadow = await readFile('/etc/shadow', 'utf8');
      const { view, text, systemLogs } = await runTask({
        volumes: ['/logs'],
        executors: [
          { image: IMAGE, command: ['sh', '-c', `echo mine; rm /logs/out; ln -s ${secretFile} /logs/out`], stdout: '/logs/out' },
          { image: IMAGE, command: ['sh', '-c', 'echo mine >&2; rm /logs/err; ln -s /etc/shadow /logs/err'], stderr: '/logs/err' },
          { image: IMAGE, command: ['sh', '-c', `rm /logs/up; ln -s ../../../../../../../../..${secretFile} /logs/up`], stdout: '/logs/up' },
        ],
      });
      expect(view.state).toBe('COMPLETE');
      expect(text).not.toContain('host secret');
      for (const line of shadow.split('\n').filter((entry) => entry.includes(':'))) expect(text).not.toContain(line);
      expect(view.logs?.[0]?.logs.map((log) => [log.stdout, log.stderr])).toEqual([['', ''], ['', ''], ['', '']]);
      expect(systemLogs).toContain('"logs/out"');
      expect(systemLogs).toContain('"logs/err"');
      expect(systemLogs).toContain('"logs/up"');
      expect(systemLogs).toContain('is a symbolic link');
      await hostUntouched();
      expect(await readFile('/etc/shadow', 'utf8')).toBe(shadow);
    });

    it('a FIFO: the server never blocks on it, answers at once, and says why the log is empty', async () => {
      const { view, systemLogs } = await runTask({
        volumes: ['/logs'],
        executors: [{ image: IMAGE, command: ['sh', '-c', 'rm /logs/out; mkfifo /logs/out'], stdout: '/logs/out' }],
      });
      expect(view.state).toBe('COMPLETE');
      expect(systemLogs).toContain('"logs/out"');
      expect(systemLogs).toContain('FIFO');
      const started = Date.now();
      expect((await api.call('/tasks?view=FULL')).status).toBe(200);
      // Not a timing target: a listing that opened the FIFO would hang until the test's own timeout.
      expect(Date.now() - started).toBeLessThan(15_000);
    });

    it('a device node: refused if the task could make one (no CAP_MKNOD: never created), never opened', async () => {
      const { view, systemLogs } = await runTask({
        volumes: ['/logs'],
        executors: [
          { image: IMAGE, command: ['sh', '-c', 'rm /logs/out; if mknod /logs/out c 1 5; then echo made >&2; else echo not-made >&2; fi'], stdout: '/logs/out' },
        ],
      });
      const stderr = view.logs?.[0]?.logs[0]?.stderr ?? '';
      expect(view.logs?.[0]?.logs[0]?.stdout).toBe('');
      if (stderr.includes('not-made')) expect(systemLogs).not.toContain('"logs/out"');
      // One expectation with the whole view, so that a failure shows what the task and the server said.
      else expect({ stderr, systemLogs, view }).toMatchObject({ stderr: expect.stringContaining('made'), systemLogs: expect.stringMatching(/"logs\/out"[\s\S]*device node|device node[\s\S]*"logs\/out"/) });
      expect(view.state).toBe('COMPLETE');
    });
  });

  describe('outputs the task turned into links', () => {
    it('a FILE output linked to a host file and a DIRECTORY output linked to a host folder: refused, nothing uploaded', async () => {
      const file = await runTask({
        outputs: [{ url: `file://${results}/file-link`, path: '/out/res' }],
        executors: [{ image: IMAGE, command: ['sh', '-c', `ln -s ${secretFile} /out/res`] }],
      });
      expect(file.view.state).toBe('SYSTEM_ERROR');
      expect(file.systemLogs).toContain('/out/res');
      const folder = await runTask({
        outputs: [{ url: `file://${results}/dir-link`, path: '/out/dir', type: 'DIRECTORY' }],
        executors: [{ image: IMAGE, command: ['sh', '-c', `ln -s ${hostFolder} /out/dir`] }],
      });
      expect(folder.view.state).toBe('SYSTEM_ERROR');
      expect(folder.systemLogs).toContain('/out/dir');
      for (const run of [file, folder]) expect(run.text).not.toContain('host secret');
      expect(await readdir(results)).toEqual([]);
      await hostUntouched();
    });

    it('a wildcard output: regular files uploaded; links in and out and FIFOs left out unopened; a match through a folder link named', async () => {
      const { view, systemLogs } = await runTask({
        outputs: [
          { url: `file://${results}/glob`, path: '/out/**/*.txt', path_prefix: '/out/' },
          { url: `file://${results}/glob-through-link`, path: '/out/hostdir/*.txt', path_prefix: '/out/' },
        ],
        executors: [
          {
            image: IMAGE,
            command: ['sh', '-c', `echo ok > /out/ok.txt; ln -s ${secretFile} /out/secret.txt; ln -s ok.txt /out/alias.txt; mkfifo /out/pipe.txt; ln -s ${hostFolder} /out/hostdir`],
          },
        ],
      });
      expect(view.state).toBe('COMPLETE');
      expect(view.logs?.[0]?.outputs.map((output) => output.path)).toEqual(['/out/ok.txt']);
      expect(await readdir(results)).toEqual(['glob']);
      expect(await readdir(join(results, 'glob'))).toEqual(['ok.txt']);
      expect(systemLogs).toContain('"out/hostdir/secret.txt"');
      expect(systemLogs).toContain('leads through a symbolic link out of the folder');
      expect(systemLogs).not.toContain('host secret');
      await rm(join(results, 'glob'), { recursive: true });
      await hostUntouched();
    });

    it('a hard link: the task cannot link a host file or a bound input into its folder; its own hard links are its own', async () => {
      const input = join(results, 'input.txt');
      await writeFile(input, 'input');
      const { view, systemLogs } = await runTask({
        inputs: [{ url: `file://${input}`, path: '/in/input.txt' }],
        outputs: [{ url: `file://${results}/hard`, path: '/out', type: 'DIRECTORY' }],
        executors: [
          {
            image: IMAGE,
            command: ['sh', '-c', 'ln /in/input.txt /out/from-input 2>/dev/null && echo linked-input; ln /etc/passwd /out/from-image 2>/dev/null && echo linked-image; echo own > /out/own; ln /out/own /out/own-again; ls /out'],
          },
        ],
      });
      expect(view.state).toBe('COMPLETE');
      expect(view.logs?.[0]?.logs[0]?.stdout).not.toContain('linked-input'); // a bound input is another mount: EXDEV
      expect(systemLogs).not.toContain('host secret');
      const uploaded = (await readdir(join(results, 'hard'))).sort();
      expect(uploaded).toEqual(expect.arrayContaining(['own', 'own-again']));
      expect(uploaded).not.toContain('from-input');
      expect((await stat(input)).nlink).toBe(1);
      await rm(join(results, 'hard'), { recursive: true });
      await rm(input);
      await hostUntouched();
    });
  });

  describe('".." in the paths a client gives', () => {
    it('stdout and output paths with ".." stay in the task folder: refused at creation, or resolved inside it', async () => {
      const created = await api.call('/tasks', {
        body: { outputs: [{ url: `file://${results}/dots`, path: '/out/../../../../' + secretFile }], executors: [{ image: IMAGE, command: ['true'], stdout: '/../../../../../..' + secretFile }] },
      });
      if (created.status === 200) {
        const id = (created.body as { id: string }).id;
        const view = await until(async () => {
          const got = await api.call(`/tasks/${id}?view=FULL`);
          return ['COMPLETE', 'EXECUTOR_ERROR', 'SYSTEM_ERROR'].includes((got.body as HostileView).state) ? got : undefined;
        });
        expect(view.text).not.toContain('host secret');
      } else {
        expect(created.status).toBe(400);
      }
      // ".." is resolved inside the container's own tree: what may arrive is the task's own (empty) file, never the host's.
      expect(await readFile(join(results, 'dots'), 'utf8').catch(() => '')).toBe('');
      await rm(join(results, 'dots'), { force: true });
      await hostUntouched();
    });
  });

  describe('deleting a finished task folder', () => {
    it('removes the task\'s links as links: the host files and folders they point to stay', async () => {
      const outside = join(base, `outside-hard-${backend}.txt`);
      await writeFile(outside, 'outside');
      const { view } = await runTask({
        volumes: ['/vol'],
        executors: [{ image: IMAGE, command: ['sh', '-c', `ln -s ${hostFolder} /vol/dir; ln -s ${secretFile} /vol/file; ln -s / /vol/root; mkfifo /vol/pipe`] }],
      });
      expect(view.state).toBe('COMPLETE');
      await until(async () => ((await readdir(join(data, 'tasks')).catch(() => [])).length === 0 ? true : undefined), 30_000, 'task folders deleted');
      await hostUntouched();
      expect(await readFile(outside, 'utf8')).toBe('outside');
    });
  });
});
