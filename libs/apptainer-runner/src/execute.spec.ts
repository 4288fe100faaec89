import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApptainerBackend } from './apptainer-backend';
import { BUSYBOX_SIF, makeRequest, makeTempDir, processesInGroup, processesMatching, removeDir, run, TEST_CACHE_DIR, uniqueId } from './testing/test-kit';

// Real Apptainer (tools/engines/apptainer.sh) on the busybox SIF it builds; no registry needed here.
describe('ApptainerBackend.execute (real apptainer, local .sif)', () => {
  let dir: string;
  // Limits have their own spec; here the plain behaviour, with the cgroup machinery on when this process may use it.
  const backend = new ApptainerBackend({ cacheDir: TEST_CACHE_DIR, graceSeconds: 1 });

  beforeAll(async () => {
    dir = await makeTempDir('exec');
  });
  afterAll(async () => {
    await removeDir(dir);
  });

  it('runs the command file with the shell in /mnt/task/work, stdout and stderr to files and events, exit code passed through', async () => {
    const request = await makeRequest(backend, dir, { command: 'pwd; echo out-line; echo err-line >&2; exit 3' });
    const { result, events, stdout, stderr } = await run(backend, request);
    expect(result).toMatchObject({ exitCode: 3, endReason: 'exited' });
    expect(stdout).toBe('/mnt/task/work\nout-line\n');
    expect(stderr).toBe('err-line\n');
    const streamed = (stream: string): string => events.map((event) => (event.type === 'log' && event.stream === stream ? event.text : '')).join('');
    expect(streamed('stdout')).toBe('/mnt/task/work\nout-line\n');
    expect(streamed('stderr')).toBe('err-line\n');
    expect(events.some((event) => event.type === 'started')).toBe(true);
  });

  it('binds the work dir read-write and the command file and inputs read-only at the guest paths Docker uses', async () => {
    const input = join(dir, 'reads.fq');
    const deep = join(dir, 'ref, v1.fa'); // a comma and a space: --mount fields are CSV-quoted
    await writeFile(input, '@r1\nACGT\n');
    await writeFile(deep, '>chr1\n');
    const request = await makeRequest(backend, dir, {
      command: [
        'cat /mnt/task/inputs/reads.fq "/data/refs/ref, v1.fa"',
        'echo x >> /mnt/task/inputs/reads.fq && echo input-written',
        'echo x >> "/data/refs/ref, v1.fa" && echo deep-written',
        'echo x >> /mnt/task/command && echo command-written',
        'echo result > out.txt && mkdir -p sub && echo nested > sub/n.txt',
        'ls /mnt/task',
      ].join('\n'),
      inputs: [
        { hostPath: input, guestPath: '/mnt/task/inputs/reads.fq', type: 'file' },
        { hostPath: deep, guestPath: '/data/refs/ref, v1.fa', type: 'file' },
      ],
    });
    const { result, stdout, stderr } = await run(backend, request);
    expect(result.exitCode).toBe(0);
    expect(stdout).toContain('@r1\nACGT\n>chr1\n');
    expect(stdout).not.toMatch(/input-written|deep-written|command-written/);
    expect(stderr).toMatch(/Read-only file system/);
    expect(await readFile(input, 'utf8')).toBe('@r1\nACGT\n');
    expect(await readFile(join(request.paths.workDir, 'out.txt'), 'utf8')).toBe('result\n');
    expect(await readFile(join(request.paths.workDir, 'sub', 'n.txt'), 'utf8')).toBe('nested\n');
    // Outputs belong to whoever runs Capstan (root here: root in the container, without privileges).
    expect((await stat(join(request.paths.workDir, 'out.txt'))).uid).toBe(process.getuid?.());
  });

  it('passes only the task variables (clean environment), with values exactly as given', async () => {
    const tricky = 'a $HOME `id` $(id) \\ "q" \'s\'\nsecond line, comma';
    const request = await makeRequest(backend, dir, {
      command: 'printf "%s|" "$TRICKY"; printf "%s|" "${HOST_SECRET:-unset}"; env | grep -c "^CAPSTAN_HOST_ONLY=" || true',
      env: { TRICKY: tricky, EMPTY: '' },
    });
    process.env['CAPSTAN_HOST_ONLY'] = 'leak';
    process.env['HOST_SECRET'] = 'leak';
    try {
      const { result, stdout } = await run(new ApptainerBackend({ cacheDir: TEST_CACHE_DIR, graceSeconds: 1, passEnv: ['PATH', 'HOST_SECRET'] }), request);
      expect(result.exitCode).toBe(0);
      expect(stdout).toBe(`${tricky}|unset|0\n`);
    } finally {
      delete process.env['CAPSTAN_HOST_ONLY'];
      delete process.env['HOST_SECRET'];
    }
  });

  it('mounts extra disks read-write at their mount points, as folders of the attempt', async () => {
    const request = await makeRequest(backend, dir, { command: 'echo s > /mnt/scratch/f && cat /mnt/scratch/f', requirements: { disks: ['/mnt/scratch 1 GiB'] } });
    const { result, stdout } = await run(backend, request);
    expect(result.exitCode).toBe(0);
    expect(stdout).toBe('s\n');
    expect(await readFile(join(request.paths.root, 'disks', 'mnt_scratch', 'f'), 'utf8')).toBe('s\n');
  });

  it('ends a task past its timeout with reason timeout', async () => {
    const request = await makeRequest(backend, dir, { command: 'echo started; sleep 30', timeoutMs: 800 });
    const started = Date.now();
    const { result, stdout } = await run(backend, request);
    expect(result.endReason).toBe('timeout');
    expect(stdout).toBe('started\n');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('cancel stops the whole process group: the shell, its background children and apptainer itself', async () => {
    const marker = uniqueId('sleep').replace(/[^0-9]/g, '').slice(0, 6).padStart(6, '7');
    // A trap that ignores SIGTERM: the grace period ends with SIGKILL to the group.
    const request = await makeRequest(backend, dir, { command: `trap "" TERM; sleep 4${marker} & sleep 5${marker} & echo up; wait` });
    const controller = new AbortController();
    const events: string[] = [];
    const pending = backend.execute(request, controller.signal, (event) => event.type === 'log' && events.push(event.text));
    for (let waited = 0; !events.join('').includes('up') && waited < 10_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    const sleeper = processesMatching(`sleep 4${marker}`);
    expect(sleeper).toHaveLength(1);
    const group = Number((sleeper[0] ?? '').trim().split(/\s+/)[1]);
    // apptainer (now its starter), appinit, the task's shell and both sleeps share one process group.
    expect(processesInGroup(group).length).toBeGreaterThanOrEqual(5);
    controller.abort();
    const result = await pending;
    expect(result.endReason).toBe('canceled');
    expect(processesInGroup(group)).toEqual([]);
    expect(processesMatching(`sleep 4${marker}`)).toEqual([]);
    expect(processesMatching(`sleep 5${marker}`)).toEqual([]);
  });

  it('refuses a missing input before running anything', async () => {
    const request = await makeRequest(backend, dir, { command: 'true', inputs: [{ hostPath: join(dir, 'absent'), guestPath: '/mnt/task/inputs/absent', type: 'file' }] });
    await expect(backend.execute(request, new AbortController().signal, () => undefined)).rejects.toMatchObject({ code: 'value.invalid' });
  });

  it('tries the candidates in order and says why each unusable one was skipped', async () => {
    const request = await makeRequest(backend, dir, { command: 'echo ok', requirements: { container: [join(dir, 'absent.sif'), BUSYBOX_SIF] } });
    expect((await run(backend, request)).stdout).toBe('ok\n');
    const none = await makeRequest(backend, dir, { command: 'echo ok', requirements: { container: [join(dir, 'absent.sif')] } });
    await expect(backend.execute(none, new AbortController().signal, () => undefined)).rejects.toMatchObject({
      code: 'image.unavailable',
      message: expect.stringContaining(`there is no SIF file at ${join(dir, 'absent.sif')}`),
    });
  });

  it('isolates the network with network: none (only a loopback interface)', async () => {
    const isolated = new ApptainerBackend({ cacheDir: TEST_CACHE_DIR, network: 'none' });
    expect(isolated.capabilities.networkIsolation).toBe(true);
    expect(backend.capabilities.networkIsolation).toBe(false);
    const request = await makeRequest(isolated, dir, { command: "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '" });
    expect((await run(isolated, request)).stdout).toBe('lo\n');
  });

  it('a canceled signal before the start runs nothing', async () => {
    const request = await makeRequest(backend, dir, { command: `touch ${join(dir, 'ran')}` });
    const controller = new AbortController();
    controller.abort();
    const result = await backend.execute(request, controller.signal, () => undefined);
    expect(result).toMatchObject({ exitCode: null, endReason: 'canceled' });
    await expect(stat(join(dir, 'ran'))).rejects.toThrow();
  });
});
