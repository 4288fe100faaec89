import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BackendEvent } from '@capstan/core-constraints';
import { UsageMeter } from '@capstan/support';
import { CGROUP_ROOT } from './attempt-cgroup';
import { runAttemptContainer } from './attempt-container';
import { containerUsageReader, readingFromStats } from './container-usage';
import { DockerClient } from './docker-client';

const MiB = 1024 * 1024;

describe('readingFromStats', () => {
  it('reads cgroup v1 stats: current memory less inactive cache, the high-water mark, CPU in ns, block I/O by op', () => {
    const reading = readingFromStats({
      memory_stats: { usage: 300 * MiB, max_usage: 420 * MiB, stats: { total_inactive_file: 100 * MiB } },
      cpu_stats: { cpu_usage: { total_usage: 2_500_000_000, usage_in_usermode: 1_370_000_000, usage_in_kernelmode: 1_140_000_000 } },
      blkio_stats: { io_service_bytes_recursive: [{ op: 'Read', value: 10 }, { op: 'Write', value: 3 }, { op: 'Read', value: 5 }, { op: 'Total', value: 18 }] },
    });
    expect(reading).toEqual({ memoryBytes: 200 * MiB, peakMemoryBytes: 420 * MiB, cpuSeconds: 2.5, cpuUserSeconds: 1.37, cpuSystemSeconds: 1.14, readBytes: 15, writtenBytes: 3 });
  });

  it('reads Docker on cgroup v2 (no high-water mark, inactive_file) and Podman (no peak, no I/O list) without inventing fields', () => {
    expect(readingFromStats({ memory_stats: { usage: 10, stats: { inactive_file: 4 } }, cpu_stats: { cpu_usage: { total_usage: 3e9, usage_in_usermode: 2e9, usage_in_kernelmode: 1e9 } } })).toEqual({
      memoryBytes: 6,
      cpuSeconds: 3,
      cpuUserSeconds: 2,
      cpuSystemSeconds: 1,
    });
    expect(readingFromStats({ memory_stats: { usage: 10 }, cpu_stats: { cpu_usage: { total_usage: 1e9 } }, blkio_stats: { io_service_bytes_recursive: null } })).toEqual({ memoryBytes: 10, cpuSeconds: 1 });
  });

  it('is null for a container that no longer runs (the daemon answers with an empty cgroup)', () => {
    expect(readingFromStats({ read: '0001-01-01T00:00:00Z', memory_stats: {}, cpu_stats: { cpu_usage: { total_usage: 0 } } })).toBeNull();
  });
});

// On the real daemon (Docker; Podman's compatible stats go through the podman conformance suite).
describe('container usage (real daemon)', () => {
  jest.setTimeout(90_000);
  const client = new DockerClient({}, {});
  const docker = (...args: string[]): string => execFileSync('docker', args, { encoding: 'utf8' }).trim();
  const created: string[] = [];
  const name = (what: string): string => `usage-${what}-${process.pid}-${Date.now()}`;
  afterAll(() => created.forEach((id) => docker('rm', '-f', id)));
  /** Attempt cgroups of this process's containers named `what...` left on the host, in any controller. */
  const leftCgroups = (what: string): string[] =>
    readdirSync(CGROUP_ROOT).flatMap((controller) => {
      const parent = join(CGROUP_ROOT, controller, 'capstan-attempts');
      return existsSync(parent) ? readdirSync(parent).filter((one) => one.startsWith(what) && one.includes(`-${process.pid}-`)) : [];
    });

  /** One attempt's container through runAttemptContainer, its output in `folder`. */
  function attempt(on: DockerClient, folder: string, what: string, command: string, usageIntervalMs: number, emit: (event: BackendEvent) => void = () => undefined) {
    return runAttemptContainer({
      client: on,
      spec: { name: name(what), Image: 'capstan-test/busybox:1', Cmd: ['sh', '-c', command], Labels: { 'io.capstan.test': 'usage' } },
      paths: { stdoutFile: join(folder, 'stdout'), stderrFile: join(folder, 'stderr') } as never,
      graceSeconds: 1,
      keepFailedContainers: false,
      signal: new AbortController().signal,
      emit,
      usageIntervalMs,
    });
  }

  it('reads a container by its id, never a container a task named after that id', async () => {
    const id = docker('run', '-d', '--name', name('small'), 'capstan-test/busybox:1', 'sleep', '30');
    created.push(id);
    // A decoy holding 200 MiB whose name is the other container's full id: a lookup by name would read it.
    const decoyId = docker('run', '-d', '--name', id, 'capstan-test/busybox:1', 'sh', '-c', 'dd if=/dev/zero bs=200M count=1 2>/dev/null | sleep 30');
    created.push(decoyId);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const reading = await containerUsageReader(client, id)(AbortSignal.timeout(10_000));
    expect(reading?.memoryBytes).toBeLessThan(20 * MiB);
    const decoy = await containerUsageReader(client, decoyId)(AbortSignal.timeout(10_000));
    expect(decoy?.peakMemoryBytes).toBeGreaterThan(200 * MiB);
  });

  it('samples a running attempt: usage events while it runs, the summary in its result', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'usage-attempt-'));
    try {
      const events: BackendEvent[] = [];
      const result = await attempt(client, folder, 'attempt', 'dd if=/dev/zero bs=200M count=1 2>/dev/null | sleep 3', 500, (event) => events.push(event));
      expect(result).toMatchObject({ endReason: 'exited', exitCode: 0 });
      expect(events.filter((event) => event.type === 'usage').length).toBeGreaterThanOrEqual(2);
      expect(result.usage?.peakMemoryBytes).toBeGreaterThanOrEqual(200 * MiB);
      expect(result.usage?.peakMemoryBytes).toBeLessThanOrEqual(260 * MiB);
      expect(result.usage?.partial).toBeUndefined();
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('a task that holds 50 MiB and exits before any stats reading: its attempt cgroup gives the final reading, then is removed', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'usage-quick-'));
    try {
      const events: BackendEvent[] = [];
      const result = await attempt(client, folder, 'quick', 'dd if=/dev/zero bs=50M count=1 2>/dev/null | true', 10_000, (event) => events.push(event));
      expect(result).toMatchObject({ endReason: 'exited', exitCode: 0, usage: { samples: 1 } });
      expect(result.usage?.partial).toBeUndefined();
      expect(result.usage?.peakMemoryBytes).toBeGreaterThanOrEqual(50 * MiB);
      expect(result.usage?.peakMemoryBytes).toBeLessThanOrEqual(80 * MiB);
      expect((result.usage?.cpuUserSeconds ?? 0) + (result.usage?.cpuSystemSeconds ?? 0)).toBeGreaterThan(0);
      // The final reading is no live sample: no usage event for it.
      expect(events.filter((event) => event.type === 'usage')).toEqual([]);
      expect(leftCgroups('usage-quick-')).toEqual([]);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('hostile: a task that tries to reset or fake its cgroup files changes no figure (its cgroup file system is read-only)', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'usage-forge-'));
    try {
      const forge = 'for f in /sys/fs/cgroup/memory/memory.max_usage_in_bytes /sys/fs/cgroup/memory/memory.force_empty; do echo 0 >"$f"; done; mkdir /sys/fs/cgroup/memory/forged; echo "writes: $(ls -d /sys/fs/cgroup/memory/forged 2>/dev/null)"';
      const result = await attempt(client, folder, 'forge', `${forge}; dd if=/dev/zero bs=50M count=1 2>/dev/null | true`, 10_000);
      expect(result).toMatchObject({ endReason: 'exited', exitCode: 0 });
      expect(await readFile(join(folder, 'stdout'), 'utf8')).toBe('writes: \n');
      expect(result.usage?.peakMemoryBytes).toBeGreaterThanOrEqual(50 * MiB);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('Podman as well: a quick 50 MiB task gets its final reading from its attempt cgroup (conmon shares it: a few MiB more)', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'usage-podman-'));
    try {
      const podman = new DockerClient({ socketPath: '/run/podman/podman.sock' }, {});
      const result = await attempt(podman, folder, 'podman', 'dd if=/dev/zero bs=50M count=1 2>/dev/null | true', 10_000);
      expect(result).toMatchObject({ endReason: 'exited', exitCode: 0, usage: { samples: 1 } });
      expect(result.usage?.peakMemoryBytes).toBeGreaterThanOrEqual(50 * MiB);
      expect(result.usage?.peakMemoryBytes).toBeLessThanOrEqual(80 * MiB);
      expect(leftCgroups('usage-podman-')).toEqual([]);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  describe('through a proxy that drops every stats connection', () => {
    let proxy: Server;
    let folder: string;
    beforeAll(async () => {
      folder = await mkdtemp(join(tmpdir(), 'usage-proxy-'));
      proxy = createServer((inbound: Socket) => {
        const outbound = createConnection('/var/run/docker.sock');
        inbound.on('data', (chunk: Buffer) => {
          if (/^GET [^ ]*\/containers\/[^ ]+\/stats/m.test(chunk.toString('latin1'))) {
            inbound.destroy();
            outbound.destroy();
          } else outbound.write(chunk);
        });
        outbound.pipe(inbound);
        inbound.on('error', () => outbound.destroy());
        outbound.on('error', () => inbound.destroy());
        inbound.on('close', () => outbound.destroy());
      });
      await new Promise<void>((resolve) => proxy.listen(join(folder, 'docker.sock'), resolve));
    });
    afterAll(async () => {
      await new Promise((resolve) => proxy.close(resolve));
      await rm(folder, { recursive: true, force: true });
    });

    it('ends the task as it would have, with usage marked partial, and never fails it', async () => {
      const dropping = new DockerClient({ socketPath: join(folder, 'docker.sock'), retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 } }, {});
      const result = await attempt(dropping, folder, 'dropped', 'sleep 2; echo done', 300);
      expect(result).toMatchObject({ endReason: 'exited', exitCode: 0 });
      expect(result.usage?.partial).toMatch(/^[0-9]+ of [0-9]+ usage readings failed \(.+\): the figures are lower bounds$/);
      // Only the final reading, from the attempt's cgroup on this host, which no daemon connection carries.
      expect(result.usage?.samples).toBe(1);
    });
  });

  it('counts the CPU of many short processes a task forks, each gone before any reading', async () => {
    const id = docker('run', '-d', '--name', name('forks'), 'capstan-test/busybox:1', 'sh', '-c', 'i=0; while [ $i -lt 3000 ]; do /bin/true; i=$((i+1)); done; sleep 5');
    created.push(id);
    const meter = new UsageMeter(containerUsageReader(client, id), { intervalMs: 300, emit: () => undefined }).start();
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const usage = await meter.stop();
    expect(usage.samples).toBeGreaterThanOrEqual(2);
    expect((usage.cpuUserSeconds ?? 0) + (usage.cpuSystemSeconds ?? 0)).toBeGreaterThan(0.1);
  });
});
