import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { buildCli, capstan as runCli, type CliResult } from './testing/cli-harness';

const capstan = (...args: string[]): Promise<CliResult> => runCli(args);

describe('capstan plan (the built CLI, as a user runs it)', () => {
  // Each test starts the CLI several times; a loaded 2-core machine takes seconds per start.
  jest.setTimeout(60_000);
  let dir: string;
  beforeAll(buildCli, 60_000);
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capstan-cli-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function taskFile(body: object): Promise<string> {
    const file = join(dir, 'task.json');
    await writeFile(file, JSON.stringify(body));
    return file;
  }

  it('prints exactly one JSON object with the resolved constraints for the example task', async () => {
    const result = await capstan('plan', 'examples/hello.yaml', '--json', '--backend', 'local');
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(result.stdout)).toEqual({
      task: 'hello',
      backend: 'local',
      constraints: {
        containers: [{ kind: 'docker', reference: 'capstan-test/busybox:1' }],
        cpu: 1,
        memory: 256 * 1024 ** 2,
        cpuLimit: null,
        memoryLimit: null,
        gpu: 0,
        fpga: 0,
        disks: { '/': 1024 ** 3 },
      },
      warnings: [expect.stringContaining('runs the command on the host')],
    });
  });

  it('plans every example task', async () => {
    for (const [example, backend] of [['examples/hello.yaml', 'docker'], ['examples/align-reads.yaml', 'docker'], ['examples/anywhere.json', 'local']] as const) {
      const result = await capstan('plan', example, '--json', '--backend', backend);
      expect({ example, code: result.code, stdout: result.stdout }).toEqual({ example, code: 0, stdout: expect.stringContaining(`"backend":"${backend}"`) });
    }
  });

  it('prints a readable plan without --json', async () => {
    const result = await capstan('plan', 'examples/align-reads.yaml', '--backend', 'docker');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Task "align-reads" on the docker backend would run with:');
    expect(result.stdout).toMatch(/memory\s+5\.8 GiB \(max_memory: 8 GiB\)/);
    expect(result.stdout).toContain('/mnt/scratch 50 GiB');
  });

  it('refuses a task larger than the host under deny, naming the value, the limit and the fix', async () => {
    const cpus = availableParallelism();
    const result = await capstan('plan', await taskFile({ name: 'big', command: 'true', requirements: { cpu: cpus + 1 } }), '--json', '--backend', 'local');
    expect(result.code).toBe(69);
    const { error } = JSON.parse(result.stdout) as { error: { code: string; message: string; path: string } };
    expect(error.code).toBe('resource.exceeds_capacity');
    expect(error.path).toBe('requirements.cpu');
    expect(error.message).toContain(`${cpus + 1} CPUs`);
    expect(error.message).toContain(`at most ${cpus} CPU`);
    expect(error.message).toContain('try_with_max');
  });

  it('clamps under try_with_max and says what it clamped', async () => {
    const file = await taskFile({ name: 'big', command: 'true', requirements: { memory: '100 TiB' } });
    const result = await capstan('plan', file, '--json', '--backend', 'local', '--memory-limit-behavior', 'try_with_max');
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout) as { constraints: { memory: number }; warnings: string[] };
    expect(plan.constraints.memory).toBe(totalmem());
    expect(plan.warnings[0]).toContain('requirements.memory: clamped from 100 TiB');
  });

  it('reports an invalid value with its path and exit code 65', async () => {
    const result = await capstan('plan', await taskFile({ name: 'x', command: 'true', requirements: { memory: '2 GiBs' } }), '--json');
    expect(result.code).toBe(65);
    expect(JSON.parse(result.stdout)).toEqual({
      error: { code: 'size.invalid', path: 'requirements.memory', message: expect.stringContaining('"2 GiBs"') },
    });
  });

  it('suggests the key meant by a typo in requirements', async () => {
    const result = await capstan('plan', await taskFile({ name: 'x', command: 'true', requirements: { memroy: '2 GiB' } }));
    expect(result.code).toBe(65);
    expect(result.stderr).toContain('requirements.memroy: unknown key "memroy"; did you mean "memory"?');
  });

  it('refuses a limit the backend cannot enforce under deny, and warns under try_with_max', async () => {
    const denied = await capstan('plan', 'examples/align-reads.yaml', '--backend', 'local', '--json');
    expect(denied.code).toBe(69);
    expect(JSON.parse(denied.stdout).error).toMatchObject({ code: 'resource.exceeds_capacity', path: 'hints.max_cpu' });
    const clamped = await capstan('plan', 'examples/align-reads.yaml', '--backend', 'local', '--json', '--cpu-limit-behavior', 'try_with_max', '--memory-limit-behavior', 'try_with_max');
    expect(clamped.code).toBe(0);
    expect(JSON.parse(clamped.stdout).warnings).toEqual(expect.arrayContaining([expect.stringContaining('hints.max_memory: the local backend cannot enforce a memory limit')]));
  });

  it('replaces "*" with the default container when one is given', async () => {
    const result = await capstan('plan', 'examples/anywhere.json', '--json', '--default-container', 'docker://debian:12');
    expect(JSON.parse(result.stdout).constraints.containers).toEqual([{ kind: 'docker', reference: 'debian:12' }]);
  });

  it('exits 66 for a missing task file and 64 for usage errors and unknown backends', async () => {
    expect((await capstan('plan', join(dir, 'absent.yaml'), '--json')).code).toBe(66);
    expect((await capstan('plan', 'examples/hello.yaml', '--no-such-flag')).code).toBe(64);
    expect((await capstan('plan', 'examples/hello.yaml', '--cpu-limit-behavior', 'maybe')).code).toBe(64);
    const unknown = await capstan('plan', 'examples/hello.yaml', '--backend', 'kubernetes', '--json');
    expect(unknown.code).toBe(64);
    expect(JSON.parse(unknown.stdout).error).toMatchObject({ code: 'backend.unknown', path: 'backend' });
    expect(JSON.parse(unknown.stdout).error.message).toMatch(/known backends: .*local/);
    expect((await capstan('frobnicate')).code).toBe(64);
  });
});
