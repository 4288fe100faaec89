import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCgroupUsage } from './cgroup-usage';
import { AttemptCgroup, type CgroupSupport } from './cgroups';

// The cgroup files as the kernel writes them, in a scratch folder standing for /sys/fs/cgroup (pure parsing).
describe('readCgroupUsage', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'usage-cgroup-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function cgroup(version: 1 | 2, files: Record<string, string>): Promise<AttemptCgroup> {
    if (version === 1) await Promise.all(['memory', 'cpu'].map((controller) => mkdir(join(root, controller), { recursive: true })));
    const support: CgroupSupport = { usable: true, version, description: 'test', root, parent: 'capstan' };
    const made = await AttemptCgroup.make(support, 'attempt');
    for (const [file, text] of Object.entries(files)) await writeFile(join(root, file), text);
    return made;
  }

  it.each([
    [
      'v1: the high-water mark, now less inactive cache, CPU from cpuacct.stat where the cpu hierarchy has it',
      1,
      {
        'memory/capstan/attempt/memory.max_usage_in_bytes': '220000000\n',
        'memory/capstan/attempt/memory.usage_in_bytes': '150000000\n',
        'memory/capstan/attempt/memory.stat': 'cache 0\ntotal_inactive_file 50000000\n',
        'memory/capstan/attempt/cgroup.procs': '',
        'cpu/capstan/attempt/cpuacct.stat': 'user 250\nsystem 50\n',
      },
      { memoryBytes: 100_000_000, peakMemoryBytes: 220_000_000, cpuUserSeconds: 2.5, cpuSystemSeconds: 0.5 },
    ],
    [
      'v2: memory.peak, cpu.stat in microseconds, io.stat summed over devices',
      2,
      {
        'capstan/attempt/memory.current': '4096\n',
        'capstan/attempt/memory.peak': '8192\n',
        'capstan/attempt/memory.stat': 'anon 4096\ninactive_file 0\n',
        'capstan/attempt/cpu.stat': 'usage_usec 3000000\nuser_usec 2000000\nsystem_usec 1000000\n',
        'capstan/attempt/io.stat': '8:0 rbytes=100 wbytes=5 rios=1 wios=1\n8:16 rbytes=20 wbytes=0 rios=1 wios=0\n',
        'capstan/attempt/cgroup.procs': '',
      },
      { memoryBytes: 4096, peakMemoryBytes: 8192, cpuUserSeconds: 2, cpuSystemSeconds: 1, readBytes: 120, writtenBytes: 5 },
    ],
  ] as const)('reads cgroup %s', async (_title, version, files, expected) => {
    expect(await readCgroupUsage(await cgroup(version, files))).toEqual(expected);
  });

  it('leaves out what neither the cgroup nor its processes tell (v1 without cpuacct, no process left), and is null for nothing', async () => {
    const made = await cgroup(1, { 'memory/capstan/attempt/memory.max_usage_in_bytes': '1000\n', 'memory/capstan/attempt/cgroup.procs': '' });
    expect(await readCgroupUsage(made)).toEqual({ peakMemoryBytes: 1000 });
    const empty = await cgroup(2, { 'capstan/attempt/cgroup.procs': '' });
    expect(await readCgroupUsage(empty)).toBeNull();
  });
});
