import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildCli, capstan, taskFolder } from './testing/cli-harness';

const IMAGE = 'capstan-test/busybox:1';

interface Refusal {
  readonly exit: number;
  readonly error: { readonly code: string; readonly message: string; readonly path: string | null } | undefined;
}

/** The error as `--json` reports it: plan's one object, or run's (a file it could not read, or the task's result). */
function refusalOf(result: { code: number; stdout: string }): Refusal {
  const last = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as { error?: Refusal['error']; results?: Array<{ error?: Refusal['error'] }> };
  return { exit: result.code, error: last.error ?? last.results?.[0]?.error };
}

describe('plan refuses every task run refuses (the built CLI, real Docker)', () => {
  jest.setTimeout(180_000);
  beforeAll(buildCli, 60_000);
  const { dir: folder, taskFile } = taskFolder('capstan-cli-config-parity-');
  beforeEach(() => mkdir(join(folder(), 'a-folder')));

  const base = { command: 'echo hi', requirements: { container: IMAGE }, hints: { shell: 'sh' } };
  const cases: ReadonlyArray<[string, (dir: string) => Record<string, unknown>]> = [
    ['a shell hint that is a command line, not a program', () => ({ ...base, hints: { shell: 'sh -c "rm -rf /"' } })],
    ['a timeout hint that is no duration', () => ({ ...base, hints: { shell: 'sh', timeout: 'soon' } })],
    ['an input that does not exist', (d) => ({ ...base, inputs: [{ source: join(d, 'absent.txt') }] })],
    ['a folder declared as a file', (d) => ({ ...base, inputs: [{ source: join(d, 'a-folder') }] })],
    ['an input URL the CLI cannot fetch', () => ({ ...base, inputs: [{ source: 'http://127.0.0.1:9/reads.fq' }] })],
    ['more memory than Docker gives one task', () => ({ ...base, requirements: { container: IMAGE, memory: '1 PiB' } })],
    ['"*" on a container backend without a default container', () => ({ ...base, requirements: { container: '*' } })],
    ['an environment variable name with a space', () => ({ ...base, env: { 'BAD NAME': 'x' } })],
    ['an output outside the work dir', () => ({ ...base, outputs: ['../../etc/passwd'] })],
    ['a misspelt requirement', () => ({ ...base, requirements: { container: IMAGE, memroy: '1 GiB' } })],
  ];

  it.each(cases)('%s: the same exit code and error from both, and nothing run', async (_label, body) => {
    const file = await taskFile('parity', body(folder()));
    const workRoot = join(folder(), 'runs');
    const plan = refusalOf(await capstan(['plan', file, '--backend', 'docker', '--json']));
    const run = refusalOf(await capstan(['run', file, '--backend', 'docker', '--work-root', workRoot, '--json']));
    expect(plan.error).toBeDefined();
    expect(plan.exit).not.toBe(0);
    expect(run).toEqual(plan);
    const made = await readdir(workRoot, { recursive: true }).catch(() => []);
    expect(made.filter((path) => path.includes('attempts'))).toEqual([]);
  });

  it('the same task made good plans and runs (the checks do not refuse too much)', async () => {
    await writeFile(join(folder(), 'in.txt'), 'x');
    const file = await taskFile('parity', { ...base, inputs: [{ source: join(folder(), 'in.txt') }, { source: join(folder(), 'a-folder'), type: 'directory' }], hints: { shell: 'sh', timeout: '1m' } });
    expect((await capstan(['plan', file, '--backend', 'docker', '--json'])).code).toBe(0);
    expect((await capstan(['run', file, '--backend', 'docker', '--work-root', join(folder(), 'runs'), '--json'])).code).toBe(0);
  });
});
