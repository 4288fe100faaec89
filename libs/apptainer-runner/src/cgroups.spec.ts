import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AttemptCgroup, detectCgroups } from './cgroups';
import { makeTempDir, removeDir } from './testing/test-kit';

// The cgroup v2 path cannot run on this machine (cgroup v1 hybrid: the controllers are bound to v1), so its file
// handling is checked on a folder shaped like a unified hierarchy. v1 runs for real in limits.spec.ts.
describe('cgroup v2 handling, on a folder shaped like /sys/fs/cgroup', () => {
  let root: string;
  beforeEach(async () => {
    root = await makeTempDir('cgroup2');
    await writeFile(join(root, 'cgroup.controllers'), 'cpuset cpu io memory hugetlb pids\n');
    await writeFile(join(root, 'cgroup.subtree_control'), 'cpu\n');
  });
  afterEach(async () => {
    await removeDir(root);
  });

  it('detects a unified hierarchy with memory and cpu, and refuses one without them', async () => {
    expect(detectCgroups('capstan', root)).toMatchObject({ usable: true, version: 2, description: `cgroup v2, one per attempt in ${join(root, 'capstan')}` });
    await writeFile(join(root, 'cgroup.controllers'), 'cpuset io pids\n');
    expect(detectCgroups('capstan', root)).toMatchObject({ usable: false, version: 2 });
  });

  it('enables the controllers down to the parent, writes the limits, and reads the OOM count from memory.events', async () => {
    // The kernel makes a cgroup's files with its folder; here the parent's subtree_control is made by the test.
    await mkdir(join(root, 'capstan'));
    await writeFile(join(root, 'capstan', 'cgroup.subtree_control'), '');
    const cgroup = await AttemptCgroup.create(detectCgroups('capstan', root), 'a-2', { memoryBytes: 64 * 1024 * 1024, cpuRequest: 0.5, cpuLimit: 1.5 });
    const folder = join(root, 'capstan', 'a-2');
    expect(await readFile(join(root, 'cgroup.subtree_control'), 'utf8')).toBe('+memory');
    expect(await readFile(join(root, 'capstan', 'cgroup.subtree_control'), 'utf8')).toBe('+memory +cpu');
    expect(await readFile(join(folder, 'memory.max'), 'utf8')).toBe(String(64 * 1024 * 1024));
    expect(await readFile(join(folder, 'cpu.weight'), 'utf8')).toBe(String(Math.round(1 + ((512 - 2) * 9999) / 262142)));
    expect(await readFile(join(folder, 'cpu.max'), 'utf8')).toBe('150000 100000');
    expect(cgroup.procsFiles).toEqual([join(folder, 'cgroup.procs')]);
    await writeFile(join(folder, 'memory.events'), 'low 0\nhigh 0\nmax 12\noom 2\noom_kill 2\noom_group_kill 0\n');
    expect(await cgroup.oomKills()).toBe(2);
  });
});
