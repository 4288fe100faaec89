import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildCli, capstan, cliBundle, taskFolder } from './testing/cli-harness';

const IMAGE = 'capstan-test/busybox:1';

/** The environment of a user who has nothing of Capstan's set, plus `extra`. */
function envWith(extra: Record<string, string>): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CAPSTAN_')));
  return { ...clean, ...extra };
}

function jsonLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('configuration from the environment, and warnings a user can act on (the built CLI, real Docker)', () => {
  jest.setTimeout(120_000);
  beforeAll(buildCli, 60_000);
  const { dir: folder, taskFile } = taskFolder('capstan-cli-config-');

  it('runs a task with an unrelated CAPSTAN_HOME set: one warning naming it on stderr, in the JSON summary too', async () => {
    const file = await taskFile('home', { command: 'echo hi', requirements: { container: IMAGE }, hints: { shell: 'sh' } });
    const env = envWith({ CAPSTAN_HOME: '/x' });
    const human = await capstan(['run', file, '--backend', 'docker', '--work-root', folder()], { env });
    expect(human.code).toBe(0);
    expect(human.stderr).toBe('capstan: warning: environment variable CAPSTAN_HOME is not a Capstan setting and is ignored; Capstan reads only its documented settings (e.g. CAPSTAN_BACKEND)\n');
    expect(human.stdout).toContain('[home] succeeded: exit 0');
    const json = await capstan(['run', file, '--backend', 'docker', '--work-root', folder(), '--json'], { env });
    expect(json.code).toBe(0);
    const summary = jsonLines(json.stdout).pop();
    expect(summary).toMatchObject({ type: 'summary', warnings: [expect.stringContaining('CAPSTAN_HOME')] });
    expect(json.stderr.match(/CAPSTAN_HOME/g)).toHaveLength(1);
  });

  it('names the nearest documented variable for a misspelt one, and ignores it', async () => {
    const file = await taskFile('typo', { command: 'echo hi', requirements: { container: IMAGE }, hints: { shell: 'sh' } });
    const result = await capstan(['plan', file, '--json'], { env: envWith({ CAPSTAN_BAKEND: 'local', CAPSTAN_DOCKER__PULLPOLICY: 'never' }) });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('CAPSTAN_BAKEND is not a Capstan setting and is ignored; did you mean CAPSTAN_BACKEND?');
    expect(result.stderr).toContain('did you mean CAPSTAN_DOCKER__PULL_POLICY?');
    const plan = JSON.parse(result.stdout) as { backend: string; warnings: string[] };
    expect(plan.backend).not.toBe('local');
    expect(plan.warnings).toEqual(expect.arrayContaining([expect.stringContaining('CAPSTAN_BAKEND')]));
  });

  it('still refuses a bad value in a documented variable, naming it', async () => {
    const file = await taskFile('bad', { command: 'true', requirements: { container: IMAGE } });
    const result = await capstan(['plan', file], { env: envWith({ CAPSTAN_RETENTION: 'sometimes' }) });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('environment variable CAPSTAN_RETENTION');
  });

  it('suggests the nearest key for a typo in the config file', async () => {
    const config = join(folder(), 'capstan.yaml');
    await writeFile(config, 'bakend: docker\ndocker: { pulPolicy: never }\n');
    const result = await capstan(['plan', 'examples/hello.yaml', '--config', config], { env: envWith({}) });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('unknown key "bakend"; did you mean "backend"?');
  });

  it('runs a nested capstan inside a local-backend task: what Capstan sets in the task is not read as configuration', async () => {
    const inner = await taskFile('inner', { command: 'echo inner ran', requirements: { container: IMAGE }, hints: { shell: 'sh' } });
    const outer = await taskFile('outer', {
      command: `test -n "$CAPSTAN_TASK_ROOT" && "$NODE" "$BUNDLE" run "$INNER" --backend docker --work-root "$CAPSTAN_TASK_ROOT/nested" 2>nested-stderr.txt`,
      env: { NODE: process.execPath, BUNDLE: cliBundle, INNER: inner },
      requirements: { container: '*' },
      hints: { shell: 'sh' },
      outputs: ['nested-stderr.txt'],
    });
    const result = await capstan(['run', outer, '--backend', 'local', '--work-root', folder(), '--json'], { env: envWith({}) });
    const summary = jsonLines(result.stdout).pop() as { results: Array<{ state: string; folder: string; exitCode: number }> };
    const attempt = join(summary.results[0]?.folder ?? '', 'attempts', '1');
    const stdout = await readFile(join(attempt, 'stdout'), 'utf8');
    expect({ code: result.code, state: summary.results[0]?.state, nestedStderr: await readFile(join(attempt, 'work', 'nested-stderr.txt'), 'utf8') }).toEqual({ code: 0, state: 'succeeded', nestedStderr: '' });
    expect(stdout).toContain('[inner] succeeded: exit 0');
    expect(stdout).toContain('inner ran');
  });

  it('warns about a misspelt hint in run and plan, and says nothing of a custom one', async () => {
    const file = await taskFile('hinted', { command: 'echo hi', requirements: { container: IMAGE }, hints: { shell: 'sh', timout: '5m', max_memroy: '1 GiB', lab_queue: 'long' } });
    const timeout = 'hint "timout" is not one Capstan knows, so it is kept as a custom hint and does nothing; did you mean "timeout"?';
    const memory = 'did you mean "max_memory"?';
    const run = await capstan(['run', file, '--backend', 'docker', '--work-root', folder()], { env: envWith({}) });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`[hinted] warning: ${timeout}`);
    expect(run.stdout).toContain(memory);
    expect(run.stdout).not.toContain('lab_queue');
    const json = await capstan(['run', file, '--backend', 'docker', '--work-root', folder(), '--json'], { env: envWith({}) });
    const resolved = jsonLines(json.stdout).find((event) => event['type'] === 'resolved');
    expect(resolved?.['warnings']).toEqual(expect.arrayContaining([timeout, expect.stringContaining(memory)]));
    const plan = await capstan(['plan', file, '--backend', 'docker'], { env: envWith({}) });
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain(`warning: ${timeout}`);
    const planJson = JSON.parse((await capstan(['plan', file, '--backend', 'docker', '--json'], { env: envWith({}) })).stdout) as { warnings: string[] };
    expect(planJson.warnings).toEqual(expect.arrayContaining([timeout]));
  });

  it('suggests MiB for memory under 4 MiB, from a task file and from --memory', async () => {
    const file = await taskFile('tiny', { command: 'echo hi', requirements: { container: IMAGE, memory: 4096 }, hints: { shell: 'sh' } });
    const hint = 'requirements.memory is 4 KiB (4096 bytes): a size without a unit is bytes, and under 4 MiB almost no program runs; did you mean "4096 MiB"?';
    const plan = await capstan(['plan', file, '--backend', 'docker', '--json'], { env: envWith({}) });
    expect((JSON.parse(plan.stdout) as { warnings: string[] }).warnings).toContain(hint);
    // Docker itself refuses a 4 KiB limit: the warning is what explains the failure.
    const run = await capstan(['run', file, '--backend', 'docker', '--work-root', folder()], { env: envWith({}) });
    expect(run.stdout).toContain(`[tiny] warning: ${hint}`);
    const quick = await capstan(['run', '--image', IMAGE, '--memory', '64', '--shell', 'sh', '--backend', 'docker', '--work-root', folder(), '--', 'true'], { env: envWith({}) });
    expect(quick.stdout).toContain('did you mean "64 MiB"?');
    const enough = await capstan(['run', '--image', IMAGE, '--memory', '64 MiB', '--shell', 'sh', '--backend', 'docker', '--work-root', folder(), '--', 'true'], { env: envWith({}) });
    expect(enough.code).toBe(0);
    expect(enough.stdout).not.toContain('did you mean');
  });
});
