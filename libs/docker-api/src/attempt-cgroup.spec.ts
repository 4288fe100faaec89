import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AttemptCgroup, attemptCgroup, knowDaemonCgroups, readAttemptCgroup, removeAttemptCgroup, sweepStale } from './attempt-cgroup';
import { ContainerUsage } from './container-usage';
import { DockerClient } from './docker-client';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'top2-attempt-cgroup-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

const PARENT = '/capstan-attempts/t-1';

/** A cgroup v1 tree as the kernel shows it for the attempt's parent (files given by controller/name). */
async function v1(files: Readonly<Record<string, string>>, leaf?: string): Promise<AttemptCgroup> {
  for (const controller of ['memory', 'cpuacct', 'blkio', 'pids']) await mkdir(join(root, controller, PARENT, leaf ?? ''), { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    const [controller, name] = path.split('/') as [string, string];
    await writeFile(join(root, controller, PARENT, name), text);
  }
  return { parent: PARENT, version: 1, root };
}

describe('the attempt cgroup', () => {
  it('reads cgroup v1: the peak, CPU in ns and split in USER_HZ ticks, block I/O by op', async () => {
    const cgroup = await v1({
      'memory/memory.max_usage_in_bytes': '53260288\n',
      'cpuacct/cpuacct.usage': '81158151\n',
      'cpuacct/cpuacct.stat': 'user 4\nsystem 3\n',
      'blkio/blkio.throttle.io_service_bytes_recursive': '8:0 Read 4096\n8:0 Write 512\n8:0 Sync 0\n8:0 Async 4608\n8:0 Discard 0\n8:0 Total 4608\nTotal 4608\n',
    });
    expect(await readAttemptCgroup(cgroup)).toEqual({ peakMemoryBytes: 53_260_288, cpuSeconds: 0.081158151, cpuUserSeconds: 0.04, cpuSystemSeconds: 0.03, readBytes: 4096, writtenBytes: 512 });
  });

  it('reads cgroup v2: memory.peak, cpu.stat in µs, io.stat summed over devices', async () => {
    await mkdir(join(root, PARENT), { recursive: true });
    await writeFile(join(root, PARENT, 'memory.peak'), '60000000\n');
    await writeFile(join(root, PARENT, 'cpu.stat'), 'usage_usec 250000\nuser_usec 150000\nsystem_usec 100000\nnr_periods 0\n');
    await writeFile(join(root, PARENT, 'io.stat'), '8:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0\n259:0 rbytes=5 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n');
    expect(await readAttemptCgroup({ parent: PARENT, version: 2, root })).toEqual({ peakMemoryBytes: 60_000_000, cpuSeconds: 0.25, cpuUserSeconds: 0.15, cpuSystemSeconds: 0.1, readBytes: 15, writtenBytes: 20 });
  });

  it('hostile: garbled, negative, huge or oversized files give no figure, never 0', async () => {
    const cgroup = await v1({
      'memory/memory.max_usage_in_bytes': 'lots\n',
      'cpuacct/cpuacct.usage': `${'9'.repeat(70_000)}\n`,
      'cpuacct/cpuacct.stat': 'user 4\nsystem\n',
      'blkio/blkio.throttle.io_service_bytes_recursive': '8:0 Read 1\n$(reboot)\n',
    });
    expect(await readAttemptCgroup(cgroup)).toBeNull();
    // One readable file among garbled ones: that figure alone.
    await writeFile(join(root, 'memory', PARENT, 'memory.max_usage_in_bytes'), '4096\n');
    expect(await readAttemptCgroup(cgroup)).toEqual({ peakMemoryBytes: 4096 });
  });

  it('fault: a cgroup that cannot be read after the end marks the usage partial, with no figure', async () => {
    const cgroup = await v1({ 'memory/memory.max_usage_in_bytes': 'garbled\n' });
    const usage = new ContainerUsage(new DockerClient({ socketPath: join(root, 'no-daemon.sock'), retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 } }, {}), 60_000, () => undefined, cgroup);
    usage.start('container-id');
    const summary = await usage.stop();
    expect(summary?.partial).toBe("1 of 1 usage readings failed (the attempt's cgroup /capstan-attempts/t-1 could not be read after its end): the figures are lower bounds");
    expect(summary).not.toHaveProperty('peakMemoryBytes');
  });

  it('fault: a container whose cgroup this host does not see (Capstan in a container) gets no final reading, marked partial, and the daemon no more attempt cgroups', async () => {
    // The real daemon on this host: it gets attempt cgroups until one is not seen from here.
    const client = new DockerClient({}, {});
    expect(await attemptCgroup(client, 'first')).toMatchObject({ parent: '/capstan-attempts/first' });
    const cgroup: AttemptCgroup = { parent: '/capstan-attempts/elsewhere', version: 1, root };
    await v1({ 'memory/memory.max_usage_in_bytes': '4096\n' });
    const usage = new ContainerUsage(client, 60_000, () => undefined, cgroup);
    usage.start('container-id');
    expect(await usage.stop()).toMatchObject({ samples: 0, partial: 'the attempt ended before its first usage reading' });
    expect(await attemptCgroup(client, 'next')).toBeUndefined();
  });

  it('takes the driver from the facts its backend was told (no GET /info of its own), and a told systemd driver gets none', async () => {
    const asked: string[] = [];
    const told = new DockerClient({}, {});
    jest.spyOn(told, 'info').mockImplementation(() => {
      asked.push('info');
      return Promise.reject(new Error('not asked'));
    });
    knowDaemonCgroups(told, { cgroupDriver: 'cgroupfs', cgroupVersion: '1' });
    expect(await attemptCgroup(told, 'told')).toMatchObject({ parent: '/capstan-attempts/told', version: 1 });
    const systemd = new DockerClient({}, {});
    jest.spyOn(systemd, 'info').mockImplementation(() => {
      asked.push('info');
      return Promise.reject(new Error('not asked'));
    });
    knowDaemonCgroups(systemd, { cgroupDriver: 'systemd', cgroupVersion: '2' });
    expect(await attemptCgroup(systemd, 'told')).toBeUndefined();
    expect(asked).toEqual([]);
  });

  it('removes the parent in every controller, deepest first (Podman leaves its conmon cgroup inside)', async () => {
    const cgroup = await v1({}, 'conmon');
    await removeAttemptCgroup(cgroup);
    for (const controller of ['memory', 'cpuacct', 'blkio', 'pids']) await expect(mkdir(join(root, controller, PARENT))).resolves.toBeUndefined();
  });

  it('sweeps attempt cgroups left over 10 minutes ago, never a recent one nor one that cannot be removed', async () => {
    const attempts = join(root, 'memory', 'capstan-attempts');
    for (const name of ['left', 'busy', 'starting']) await mkdir(join(attempts, name, 'conmon'), { recursive: true });
    // A file stands for a process: the kernel refuses to remove a cgroup that holds one, as this refuses a folder that is not empty.
    await writeFile(join(attempts, 'busy', 'conmon', 'process'), '');
    const old = new Date(Date.now() - 3_600_000);
    for (const name of ['left', 'busy']) await utimes(join(attempts, name), old, old);
    await sweepStale(root, 1);
    expect((await readdir(attempts)).sort()).toEqual(['busy', 'starting']);
  });
});
