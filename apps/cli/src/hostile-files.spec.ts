import { HOSTILE_OUTPUTS, HOSTILE_REFUSED, hostChanges, type HostFixture, hostileOutputCommand, makeHostFixture } from '@capstan/backend-test-kit';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCli, capstan } from './testing/cli-harness';

// Hostile tasks through `capstan run` on every real runtime here: the task turns what the host later lists, sizes or
// deletes into links, FIFOs, device nodes and hard links. Each case checks the refusal and that the host is untouched.
//
// Which vectors apply: links (in, out, to folders) and FIFOs need no privilege, so every runtime lets a task make
// them, and the host must refuse them. A device node needs CAP_MKNOD: Docker and Podman drop it (capDrop), Apptainer
// (and Slurm's Apptainer jobs) run root tasks with --no-privs, so `mknod` fails in all four and the test asserts that
// it did. A hard link to a host file needs the file visible in the container: none of them binds the host folder
// (--containall for Apptainer), so that fails too, asserted the same way. The attempt's stdout and stderr files sit
// beside the work dir, not in it (Slurm writes them there itself), so a task reaches them only through a link up out
// of the work dir: the path-tricks case plants one and the host refuses it.
const SIF = '/var/lib/capstan/test-images/busybox.sif';
const RUNTIMES: ReadonlyArray<readonly [string, string]> = [
  ['docker', 'capstan-test/busybox:1'],
  ['podman', 'localhost/capstan-test/busybox:1'],
  ['apptainer', SIF],
  ['slurm', SIF],
];

interface HostileSummary {
  type: string;
  results: Array<{ state: string; outputs: Array<{ path: string; sizeBytes: number }>; folder: string; folderDeleted?: boolean; warnings: string[]; attempts: Array<{ folder: string }> }>;
}

describe.each(RUNTIMES)('capstan run with a hostile task on %s', (backend, image) => {
  jest.setTimeout(120_000);
  let dir: string;
  let host: HostFixture;
  beforeAll(buildCli, 60_000);
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), `capstan-hostile-cli-${backend}-`));
    await chmod(dir, 0o755);
    host = await makeHostFixture(dir);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function run(command: string, extra: Record<string, unknown>, args: readonly string[] = []): Promise<{ code: number; stdout: string; summary: HostileSummary }> {
    const file = join(dir, 'hostile.json');
    await writeFile(file, JSON.stringify({ name: 'hostile', command, requirements: { container: image }, hints: { shell: 'sh' }, ...extra }));
    const result = await capstan(['run', file, '--backend', backend, '--work-root', join(dir, 'runs'), '--json', ...args]);
    const lines = result.stdout.trim().split('\n');
    return { code: result.code, stdout: result.stdout, summary: JSON.parse(lines[lines.length - 1] ?? '{}') as HostileSummary };
  }

  it('lists only regular outputs: links, FIFOs and what a folder link reaches are named in warnings, never opened', async () => {
    const { code, stdout, summary } = await run(hostileOutputCommand(host), { outputs: HOSTILE_OUTPUTS });
    expect(code).toBe(0);
    const result = summary.results[0];
    expect(result?.outputs.map((output) => output.path)).toEqual(['ok.txt']);
    for (const name of HOSTILE_REFUSED) expect(result?.warnings.join('\n')).toContain(`"${name}"`);
    const taskOutput = await readFile(join(result?.attempts[0]?.folder ?? '', 'stdout'), 'utf8');
    expect(taskOutput).toContain('refused: mknod');
    expect(taskOutput).toContain('refused: hard link');
    expect(stdout).not.toContain('host secret');
    expect(await hostChanges(host)).toEqual([]);
  });

  it('path tricks: a link up out of the work dir to the attempt\'s own files is refused; ".." in a pattern is refused before anything runs', async () => {
    const { code, summary } = await run('echo ok > ok.txt; mkdir sub; ln -s ../.. sub/up; ln -s / sub/root', { outputs: ['sub/up/stdout?', 'sub/root/etc/passwd?', 'sub/*/work/ok.txt?'] });
    expect(code).toBe(0);
    expect(summary.results[0]?.outputs).toEqual([]);
    expect(summary.results[0]?.warnings.join('\n')).toContain('"sub/up/stdout" (in');
    expect(summary.results[0]?.warnings.join('\n')).toContain('"sub/root/etc/passwd" (in');
    const dots = await run('true', { outputs: [`../../../../../../..${host.secretFile}`] });
    expect(dots.code).toBe(65);
    expect(dots.stdout).not.toContain('host secret');
    expect(await hostChanges(host)).toEqual([]);
  });

  it('deletes a run folder under delete-always: the task\'s links go as links, their host targets stay', async () => {
    const { code, summary } = await run(`ln -s ${host.folder} dir; ln -s ${host.secretFile} file; ln -s / root; ln -s .. up; mkfifo pipe; mkdir sub; ln -s ${host.folder} sub/again`, {}, ['--retention', 'delete-always']);
    expect(code).toBe(0);
    expect(summary.results[0]?.folderDeleted).toBe(true);
    await expect(stat(summary.results[0]?.folder ?? '')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await hostChanges(host)).toEqual([]);
  });
});
