import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DockerBackend } from './docker-backend';
import { BASH, DockerTestRun } from './testing/docker-test-kit';

jest.setTimeout(60_000);

describe('DockerBackend.execute (real daemon)', () => {
  const run = new DockerTestRun();
  const backend = new DockerBackend({ graceSeconds: 1 });
  beforeEach(() => run.setUp());
  afterEach(() => run.tearDown());
  afterAll(async () => expect(await run.leftovers(backend)).toEqual([]));

  it('runs the command file with the shell in /mnt/task/work, with the task env, and returns its exit code', async () => {
    const request = await run.request(backend, {
      command: 'pwd; echo "mine=$MINE"; echo oops >&2; touch made-here; exit 7',
      env: { MINE: 'yes please' },
    });
    const { result, events } = await run.execute(backend, request);
    expect(result).toMatchObject({ exitCode: 7, endReason: 'exited' });
    expect(result.endedAt.getTime()).toBeGreaterThanOrEqual(result.startedAt.getTime());
    expect(await readFile(request.paths.stdoutFile, 'utf8')).toBe('/mnt/task/work\nmine=yes please\n');
    expect(await readFile(request.paths.stderrFile, 'utf8')).toBe('oops\n');
    await expect(stat(join(request.paths.workDir, 'made-here'))).resolves.toBeTruthy();
    expect(events.find((event) => event.type === 'started')).toMatchObject({ id: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(await run.leftovers(backend)).toEqual([]);
  });

  it('returns 0 for a successful command and removes the container', async () => {
    const { result } = await run.execute(backend, await run.request(backend, { command: 'true' }));
    expect(result).toMatchObject({ exitCode: 0, endReason: 'exited' });
    expect(await run.leftovers(backend)).toEqual([]);
  });

  it('runs with the shell the request names (bash image)', async () => {
    const request = await run.request(backend, { command: 'echo "${BASH_VERSION%%.*}"; [[ -n $BASH ]] && echo bash', requirements: { container: BASH } });
    const { result } = await run.execute(backend, { ...request, shell: 'bash' });
    expect(result.exitCode).toBe(0);
    expect((await readFile(request.paths.stdoutFile, 'utf8')).trim().split('\n')[1]).toBe('bash');
  });

  it('streams 50 MB of stdout and 5 MB of stderr byte-exact to the files, and as log events', async () => {
    const request = await run.request(backend, { command: 'yes | head -c 50000000; yes e | head -c 5000000 >&2' });
    let logged = 0;
    const { result } = await run.execute(backend, request, undefined, (event) => {
      if (event.type === 'log') logged += Buffer.byteLength(event.text);
    });
    expect(result).toMatchObject({ exitCode: 0, endReason: 'exited' });
    expect((await stat(request.paths.stdoutFile)).size).toBe(50_000_000);
    expect((await stat(request.paths.stderrFile)).size).toBe(5_000_000);
    expect(logged).toBe(55_000_000);
    const head = await readFile(request.paths.stderrFile, 'utf8');
    expect(head.slice(0, 6)).toBe('e\ne\ne\n');
  });

  it('mounts inputs read-only at their guest paths, and the command file read-only', async () => {
    const source = join(run.root, 'reads.fq');
    const folder = join(run.root, 'reference');
    await writeFile(source, '@r1\nACGT\n');
    await mkdir(folder);
    await writeFile(join(folder, 'ref.fa'), '>chr1\nAC\n');
    const request = await run.request(backend, {
      command: [
        'cat ../inputs/reads.fq /data/reference/ref.fa',
        'echo changed > ../inputs/reads.fq && echo wrote-input',
        'touch /data/reference/new && echo wrote-folder',
        'echo changed >> /mnt/task/command && echo wrote-command',
        'echo done',
      ].join('\n'),
      inputs: [{ source }, { source: folder, path: '/data/reference', type: 'directory' }],
    });
    const { result } = await run.execute(backend, request);
    expect(result.exitCode).toBe(0);
    expect(await readFile(request.paths.stdoutFile, 'utf8')).toBe('@r1\nACGT\n>chr1\nAC\ndone\n');
    expect(await readFile(request.paths.stderrFile, 'utf8')).toMatch(/Read-only file system[\s\S]*Read-only file system[\s\S]*Read-only file system/);
    expect(await readFile(source, 'utf8')).toBe('@r1\nACGT\n');
  });

  it('refuses a missing input before creating anything', async () => {
    const request = await run.request(backend, { command: 'true', inputs: [{ source: join(run.root, 'absent.txt') }] });
    await expect(run.execute(backend, request)).rejects.toMatchObject({ code: 'value.invalid', message: expect.stringContaining('absent.txt') });
    expect(await run.leftovers(backend)).toEqual([]);
  });

  it('creates a host folder under the attempt for each extra disk and mounts it writable', async () => {
    const request = await run.request(backend, { command: 'echo data > /mnt/scratch/file && echo ok', requirements: { disks: ['local-disk 1 SSD', '/mnt/scratch 2 SSD'] } });
    const { result } = await run.execute(backend, request);
    expect(result.exitCode).toBe(0);
    expect(await readFile(join(request.paths.root, 'disks', 'mnt_scratch', 'file'), 'utf8')).toBe('data\n');
  });

  it('puts the request labels on the container while it runs', async () => {
    const request = await run.request(backend, { command: 'while [ ! -f go ]; do sleep 0.05; done' });
    let seen: Array<{ name: string; state: string; labels: Readonly<Record<string, string>> }> = [];
    const { result } = await run.execute(backend, request, undefined, (event) => {
      if (event.type !== 'started') return;
      void backend
        .listManaged({ 'io.capstan.run-id': run.runId })
        .then((resources) => (seen = resources))
        .finally(() => writeFile(join(request.paths.workDir, 'go'), ''));
    });
    expect(result.exitCode).toBe(0);
    expect(seen.map((resource) => [resource.name, resource.state])).toEqual([[request.attemptName, 'running']]);
    expect(seen[0]?.labels).toEqual(expect.objectContaining(request.labels));
  });

  it('keeps a failed container when keepFailedContainers is set, and removeManaged removes it', async () => {
    const keeping = new DockerBackend({ keepFailedContainers: true });
    const warnings: string[] = [];
    const request = await run.request(keeping, { command: 'exit 3' });
    const { result } = await run.execute(keeping, request, undefined, (event) => event.type === 'warning' && warnings.push(event.message));
    expect(result.exitCode).toBe(3);
    expect(warnings.join()).toContain('kept the failed container');
    const kept = await keeping.listManaged({ 'io.capstan.run-id': run.runId });
    expect(kept.map((resource) => [resource.name, resource.state])).toEqual([[request.attemptName, 'exited']]);
    for (const resource of [...kept, ...kept]) await keeping.removeManaged(resource); // the second time it is gone: not an error
    expect(await run.leftovers(backend)).toEqual([]);
  });
});
