import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, rmdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cgroupUsageLines, readContainerUsage, usageFolder } from './container-usage';

let folder: string;
let status: string;
beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'top2-job-usage-'));
  status = join(folder, 'status');
});
afterEach(() => rm(folder, { recursive: true, force: true }));

async function copied(files: Readonly<Record<string, string>>): Promise<void> {
  await mkdir(usageFolder(status));
  for (const [name, text] of Object.entries(files)) await writeFile(join(usageFolder(status), name), text);
}

describe("a Docker or Podman job's final usage, from the cgroup files its script copied", () => {
  it('reads cgroup v1 copies: peak, CPU split, I/O, and the mean over the wall time', async () => {
    await copied({
      version: '1\n',
      'memory.max_usage_in_bytes': '209715200\n',
      'cpuacct.usage': '4000000000\n',
      'cpuacct.stat': 'user 350\nsystem 50\n',
      'blkio.throttle.io_service_bytes_recursive': '8:0 Read 8192\n8:0 Write 4096\nTotal 12288\n',
    });
    expect(await readContainerUsage(status, 8)).toEqual({ peakMemoryBytes: 209_715_200, cpuUserSeconds: 3.5, cpuSystemSeconds: 0.5, cpuPercentMean: 50, readBytes: 8192, writtenBytes: 4096, wallSeconds: 8, samples: 1 });
  });

  it('reads cgroup v2 copies', async () => {
    await copied({ version: '2\n', 'memory.peak': '1048576\n', 'cpu.stat': 'usage_usec 2000000\nuser_usec 1500000\nsystem_usec 500000\n' });
    expect(await readContainerUsage(status, 4)).toMatchObject({ peakMemoryBytes: 1_048_576, cpuUserSeconds: 1.5, cpuSystemSeconds: 0.5, cpuPercentMean: 50, samples: 1 });
  });

  it('fault: a missing folder or a garbled copy is unavailable with a partial reason, never 0 and never a failure', async () => {
    expect(await readContainerUsage(status, 3)).toEqual({ samples: 0, partial: expect.stringMatching(/^no final usage of the container: the job left no .*status-usage/) });
    await copied({ version: '1\n', 'memory.max_usage_in_bytes': 'a lot\n', 'cpuacct.stat': 'user -1\n' });
    expect(await readContainerUsage(status, 3)).toEqual({ samples: 0, partial: expect.stringMatching(/could be read as the kernel writes it$/) });
    await writeFile(join(usageFolder(status), 'version'), '3\n');
    expect(await readContainerUsage(status, 3)).toEqual({ samples: 0, partial: expect.stringMatching(/version is neither 1 nor 2$/) });
  });

  it('hostile: links planted for the folder or a file are not followed', async () => {
    const elsewhere = join(folder, 'elsewhere');
    await mkdir(elsewhere);
    await writeFile(join(elsewhere, 'version'), '1\n');
    await writeFile(join(elsewhere, 'memory.max_usage_in_bytes'), '999\n');
    await symlink(elsewhere, usageFolder(status));
    expect(await readContainerUsage(status, 3)).toEqual({ samples: 0, partial: expect.stringMatching(/is not a folder$/) });
    await rm(usageFolder(status));
    await copied({ version: '1\n' });
    await symlink(join(elsewhere, 'memory.max_usage_in_bytes'), join(usageFolder(status), 'memory.max_usage_in_bytes'));
    expect((await readContainerUsage(status, 3)).peakMemoryBytes).toBeUndefined();
  });

  it('hostile: a FIFO in place of a copy is refused without blocking, and a file larger than any copy is not read', async () => {
    await copied({ version: '1\n', 'memory.max_usage_in_bytes': '209715200\n' });
    execFileSync('mkfifo', [join(usageFolder(status), 'cpuacct.stat')]);
    await writeFile(join(usageFolder(status), 'cpuacct.usage'), `${'4'.repeat(70 * 1024)}\n`);
    const usage = await readContainerUsage(status, 3);
    expect(usage).toMatchObject({ peakMemoryBytes: 209_715_200, samples: 1 });
    expect(usage.cpuUserSeconds).toBeUndefined();
    expect(usage.cpuPercentMean).toBeUndefined();
  });

  it('the script makes the container in its own cgroup with a rootful cgroupfs runtime only, asking each runtime its own way', async () => {
    const docker = cgroupUsageLines('docker');
    expect(docker.setup.join('\n')).toContain(`info --format '{{.CgroupDriver}} {{.SecurityOptions}}'`);
    expect(cgroupUsageLines('podman').setup.join('\n')).toContain(`info --format '{{.Host.CgroupManager}} {{.Host.Security.Rootless}}'`);
    expect(docker.runArg).toBe('${capstan_cgparent:+--cgroup-parent "$capstan_cgparent"}');
    expect(docker.save.join('\n')).toContain('cat "/sys/fs/cgroup/memory$capstan_cgparent/memory.max_usage_in_bytes" >"$capstan_usage/memory.max_usage_in_bytes"');
    expect(docker.save.join('\n')).toContain('cat "/sys/fs/cgroup$capstan_cgparent/memory.peak" >"$capstan_usage/memory.peak"');
    // The setup as sh runs it, with a stand-in runtime answering `info` as each kind of daemon does.
    const parentFor = async (answer: string): Promise<string> => {
      const fake = join(folder, 'runtime');
      await writeFile(fake, `#!/bin/sh\necho '${answer}'\n`, { mode: 0o755 });
      const script = ['capstan_status=/x/status', `capstan_rt=${fake}`, 'capstan_name=t-1', ...docker.setup, 'printf %s "$capstan_cgparent"'].join('\n');
      return execFileSync('sh', ['-c', script], { encoding: 'utf8' });
    };
    const cgroupfs = existsSync('/sys/fs/cgroup/cgroup.controllers') || existsSync('/sys/fs/cgroup/memory/memory.max_usage_in_bytes');
    expect(await parentFor('cgroupfs [name=seccomp,profile=default]')).toBe(cgroupfs ? '/capstan-attempts/t-1' : '');
    expect(await parentFor('cgroupfs false')).toBe(cgroupfs ? '/capstan-attempts/t-1' : '');
    expect(await parentFor('cgroupfs [name=seccomp,profile=default name=rootless]')).toBe('');
    expect(await parentFor('cgroupfs true')).toBe('');
    expect(await parentFor('systemd [name=seccomp,profile=default]')).toBe('');
  });

  // Real cgroups of this machine (cgroup v1's memory hierarchy, as root): what a killed job left is swept by the next.
  const memoryAttempts = '/sys/fs/cgroup/memory/capstan-attempts';
  const canMakeCgroups = process.getuid?.() === 0 && existsSync('/sys/fs/cgroup/memory/memory.max_usage_in_bytes');
  (canMakeCgroups ? it : it.skip)('sweeps attempt cgroups a killed job left once 10 minutes old and empty; a fresh one, one holding a process and one whose container just ended stay', async () => {
    const tag = `sweep-${process.pid}`;
    const [stale, fresh, busy, ended] = ['stale', 'fresh', 'busy', 'ended'].map((name) => join(memoryAttempts, `${tag}-${name}`)) as [string, string, string, string];
    for (const cgroup of [stale, fresh, busy, ended]) await mkdir(cgroup, { recursive: true });
    await mkdir(join(stale, 'inner'));
    await mkdir(join(ended, 'container'));
    const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      await writeFile(join(busy, 'cgroup.procs'), String(sleeper.pid));
      const old = new Date(Date.now() - 20 * 60_000);
      for (const cgroup of [join(stale, 'inner'), stale, busy, ended]) await utimes(cgroup, old, old);
      // A long task's container just ended: its own cgroup goes, which makes its attempt's cgroup new again.
      await rmdir(join(ended, 'container'));
      const fake = join(folder, 'runtime');
      await writeFile(fake, "#!/bin/sh\necho 'cgroupfs [name=seccomp,profile=default]'\n", { mode: 0o755 });
      const script = ['capstan_status=/x/status', `capstan_rt=${fake}`, 'capstan_name=t-1', ...cgroupUsageLines('docker').setup].join('\n');
      execFileSync('sh', ['-c', script]);
      expect([existsSync(stale), existsSync(fresh), existsSync(busy), existsSync(ended)]).toEqual([false, true, true, true]);
    } finally {
      sleeper.kill('SIGKILL');
      await new Promise((resolve) => sleeper.once('exit', resolve));
      for (const cgroup of [join(stale, 'inner'), stale, fresh, busy, join(ended, 'container'), ended]) await rmdir(cgroup).catch(() => undefined);
    }
  });
});
