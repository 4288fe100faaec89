import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PodmanBackend } from './podman-backend';
import { BASH, PodmanTestRun, ROOTFUL_SOCKET } from './testing/podman-test-kit';

jest.setTimeout(60_000);

describe('PodmanBackend.execute (real rootful service, Docker-compatible API)', () => {
  const run = new PodmanTestRun();
  const backend = new PodmanBackend({ socketPath: ROOTFUL_SOCKET, graceSeconds: 1 });
  beforeEach(() => run.setUp());
  afterEach(() => run.tearDown());
  afterAll(async () => expect(await run.leftovers(backend)).toEqual([]));

  it('runs the command file with the shell in /mnt/task/work, with the task env, and returns its exit code', async () => {
    const request = await run.request(backend, { command: 'pwd; echo "mine=$MINE"; echo oops >&2; touch made-here; exit 7', env: { MINE: 'yes please' } });
    const { result, events } = await run.execute(backend, request);
    expect(result).toMatchObject({ exitCode: 7, endReason: 'exited' });
    expect(await readFile(request.paths.stdoutFile, 'utf8')).toBe('/mnt/task/work\nmine=yes please\n');
    expect(await readFile(request.paths.stderrFile, 'utf8')).toBe('oops\n');
    await expect(stat(join(request.paths.workDir, 'made-here'))).resolves.toBeTruthy();
    expect(events.find((event) => event.type === 'started')).toMatchObject({ id: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(await run.leftovers(backend)).toEqual([]);
  });

  it('attaches before the start: 20 MB of stdout and 2 MB of stderr arrive byte-exact, also as log events', async () => {
    const request = await run.request(backend, { command: 'yes | head -c 20000000; yes e | head -c 2000000 >&2', requirements: { container: BASH } });
    let logged = 0;
    const { result } = await run.execute(backend, { ...request, shell: 'bash' }, undefined, (event) => {
      if (event.type === 'log') logged += Buffer.byteLength(event.text);
    });
    expect(result).toMatchObject({ exitCode: 0, endReason: 'exited' });
    expect((await stat(request.paths.stdoutFile)).size).toBe(20_000_000);
    expect((await stat(request.paths.stderrFile)).size).toBe(2_000_000);
    expect(logged).toBe(22_000_000);
  });

  it('mounts inputs and the command file read-only', async () => {
    const source = join(run.root, 'reads.fq');
    await writeFile(source, '@r1\nACGT\n');
    await mkdir(join(run.root, 'ref'));
    const request = await run.request(backend, {
      command: 'cat ../inputs/reads.fq; echo changed > ../inputs/reads.fq && echo wrote-input; echo x >> /mnt/task/command && echo wrote-command; echo done',
      inputs: [{ source }],
    });
    const { result } = await run.execute(backend, request);
    expect(result.exitCode).toBe(0);
    expect(await readFile(request.paths.stdoutFile, 'utf8')).toBe('@r1\nACGT\ndone\n');
    expect(await readFile(request.paths.stderrFile, 'utf8')).toMatch(/Read-only file system[\s\S]*Read-only file system/);
  });

  it('runs catatonit as PID 1 (init), which passes SIGTERM on: a timeout ends at once, not after the grace period', async () => {
    const slow = new PodmanBackend({ socketPath: ROOTFUL_SOCKET, graceSeconds: 5 });
    const started = Date.now();
    const request = await run.request(slow, { command: 'cat /proc/1/cmdline | tr "\\0" " "; echo; sleep 30' }, { timeoutMs: 500 });
    const { result } = await run.execute(slow, request);
    expect(result.endReason).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(await readFile(request.paths.stdoutFile, 'utf8')).toMatch(/^\/run\/podman-init -- sh \/mnt\/task\/command/);
  });

  it('keeps a failed container when asked, naming `podman rm`, and removeManaged removes it', async () => {
    const keeping = new PodmanBackend({ socketPath: ROOTFUL_SOCKET, keepFailedContainers: true });
    const warnings: string[] = [];
    const request = await run.request(keeping, { command: 'exit 3' });
    const { result } = await run.execute(keeping, request, undefined, (event) => event.type === 'warning' && warnings.push(event.message));
    expect(result.exitCode).toBe(3);
    expect(warnings.join()).toMatch(/kept the failed container .* remove it with podman rm/);
    const kept = await keeping.listManaged({ 'io.capstan.run-id': run.runId });
    expect(kept.map((resource) => [resource.name, resource.state])).toEqual([[request.attemptName, 'exited']]);
    for (const resource of [...kept, ...kept]) await keeping.removeManaged(resource);
    expect(await run.leftovers(backend)).toEqual([]);
  });
});
