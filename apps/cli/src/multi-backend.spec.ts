import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildCli, capstan, taskFolder, workspaceRoot } from './testing/cli-harness';

const IMAGE = 'capstan-test/busybox:1';

/** The environment of a user who has nothing of Capstan's set. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CAPSTAN_')));
}

function jsonLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

interface Summary {
  readonly results: ReadonlyArray<{ taskName: string; backend: string; state: string; error?: { code: string; message: string; path: string | null } }>;
}

/**
 * Three backends in one run, from one config file: the real Slurm cluster of tools/engines/slurm.sh (its jobs run
 * Docker on the node), the local Docker daemon, and the host itself; each task routed by a rule, a hint or the default.
 */
describe('capstan run over several backends from a config file (the built CLI, real Slurm and Docker)', () => {
  jest.setTimeout(180_000);
  beforeAll(buildCli, 60_000);
  const { dir, taskFile } = taskFolder('capstan-cli-multi-');

  async function configFile(extra = ''): Promise<string> {
    const file = join(dir(), 'capstan.yaml');
    await writeFile(
      file,
      [
        `workRoot: ${join(dir(), 'runs')}`,
        'shell: sh',
        'backend: box',
        'backends:',
        '  here: { type: local }',
        '  hpc: { type: slurm, runtime: docker, pollIntervalMs: 200, graceSeconds: 2 }',
        '  box: { type: docker }',
        extra,
        'routes:',
        '  - { backend: hpc, when: { labels: { place: cluster } } }',
        '  - { backend: here, when: { shortTask: true } }',
        '',
      ].join('\n'),
    );
    return file;
  }

  it('runs some tasks locally, some on Slurm, some on Docker, each where its rule, hint or the default sends it', async () => {
    const config = await configFile();
    const files = await Promise.all([
      taskFile('quick', { command: 'echo "quick on $(hostname)"', requirements: { container: IMAGE }, hints: { short_task: true } }),
      taskFile('heavy', { command: 'echo "heavy in job $SLURM_JOB_ID"; test -f /.dockerenv', requirements: { container: IMAGE }, hints: { labels: { place: 'cluster' } } }),
      taskFile('plain', { command: 'test -f /.dockerenv && echo plain in docker', requirements: { container: IMAGE } }),
      taskFile('pinned', { command: 'echo pinned', requirements: { container: IMAGE }, hints: { backend: 'here', labels: { place: 'cluster' } } }),
    ]);
    const result = await capstan(['run', ...files, '--config', config, '--json'], { env: cleanEnv() });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    const events = jsonLines(result.stdout);
    const summary = events.pop() as unknown as Summary;
    expect(Object.fromEntries(summary.results.map((task) => [task.taskName, [task.backend, task.state]]))).toEqual({
      quick: ['here', 'succeeded'],
      heavy: ['hpc', 'succeeded'],
      plain: ['box', 'succeeded'],
      pinned: ['here', 'succeeded'],
    });
    const routes = Object.fromEntries(events.filter((event) => event['type'] === 'resolved').map((event) => [event['taskName'], event['route']]));
    expect(routes).toEqual({
      quick: 'rule 2 of routes (short_task true)',
      heavy: 'rule 1 of routes (label place=cluster)',
      plain: 'the default backend (no rule of routes matched)',
      pinned: 'the task\'s "backend" hint',
    });
    // The trace names each attempt's backend.
    const trace = await readFile(join(dir(), 'runs', 'latest', 'trace.tsv'), 'utf8');
    const [header, ...rows] = trace.trim().split('\n');
    const column = (header ?? '').split('\t').indexOf('backend');
    expect(column).toBeGreaterThanOrEqual(0);
    expect(rows.map((row) => row.split('\t')[column]).sort()).toEqual(['box', 'here', 'here', 'hpc']);
  });

  it('names each task\'s backend in the human summary', async () => {
    const config = await configFile();
    const files = await Promise.all([
      taskFile('quick', { command: 'true', requirements: { container: IMAGE }, hints: { short_task: true } }),
      taskFile('plain', { command: 'true', requirements: { container: IMAGE } }),
    ]);
    const result = await capstan(['run', ...files, '--config', config], { env: cleanEnv() });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ {2}quick {2}on here {2}succeeded/m);
    expect(result.stdout).toMatch(/^ {2}plain {2}on box {3}succeeded/m);
  });

  it('plans a task on the backend it would go to, saying which rule matched; --backend sends it elsewhere', async () => {
    const config = await configFile();
    const file = await taskFile('heavy', { command: 'true', requirements: { container: IMAGE }, hints: { labels: { place: 'cluster' } } });
    const plan = await capstan(['plan', file, '--config', config, '--json'], { env: cleanEnv() });
    expect(plan.code).toBe(0);
    expect(JSON.parse(plan.stdout)).toMatchObject({ backend: 'hpc', route: 'rule 1 of routes (label place=cluster)' });
    const human = await capstan(['plan', file, '--config', config], { env: cleanEnv() });
    expect(human.stdout).toContain('Task "heavy" on the hpc backend would run with:\n  chosen by  rule 1 of routes (label place=cluster)\n');
    const forced = await capstan(['plan', file, '--config', config, '--backend', 'box', '--json'], { env: cleanEnv() });
    expect(JSON.parse(forced.stdout)).toMatchObject({ backend: 'box', route: 'the --backend flag' });
  });

  it('refuses a task whose hint names a backend type rather than a configured name, and a --backend of a type', async () => {
    const config = await configFile();
    const file = await taskFile('sneaky', { command: 'touch /tmp/capstan-multi-should-not-exist', requirements: { container: IMAGE }, hints: { backend: 'docker' } });
    const result = await capstan(['run', file, '--config', config, '--json'], { env: cleanEnv() });
    expect(result.code).toBe(64);
    const summary = jsonLines(result.stdout).pop() as unknown as Summary;
    expect(summary.results[0]).toMatchObject({ backend: 'box', state: 'error', error: { code: 'backend.unknown', path: 'hints.backend' } });
    expect(summary.results[0]?.error?.message).toContain('the configured backends are "here", "hpc", "box"');
    const flag = await capstan(['plan', file, '--config', config, '--backend', 'slurm', '--json'], { env: cleanEnv() });
    expect(flag.code).toBe(64);
    expect(JSON.parse(flag.stdout)).toMatchObject({ error: { code: 'usage.invalid', path: 'backend' } });
  });

  it('fails the tasks of a backend whose daemon does not answer, typed (exit 69), and finishes the others', async () => {
    const config = await configFile('  down: { type: docker, host: "unix:///nonexistent/capstan-multi-docker.sock" }');
    const files = await Promise.all([
      taskFile('lost', { command: 'echo never', requirements: { container: IMAGE }, hints: { backend: 'down' } }),
      taskFile('fine', { command: 'echo fine', requirements: { container: IMAGE } }),
      taskFile('also-fine', { command: 'echo fine too', requirements: { container: IMAGE }, hints: { short_task: true } }),
    ]);
    const result = await capstan(['run', ...files, '--config', config, '--json'], { env: cleanEnv() });
    expect(result.code).toBe(69);
    const summary = jsonLines(result.stdout).pop() as unknown as Summary;
    expect(Object.fromEntries(summary.results.map((task) => [task.taskName, [task.backend, task.state, task.error?.code]]))).toEqual({
      lost: ['down', 'error', 'backend.unavailable'],
      fine: ['box', 'succeeded', undefined],
      'also-fine': ['here', 'succeeded', undefined],
    });
    expect(summary.results[0]?.error?.message).toContain('backend "down" was chosen by the task\'s "backend" hint');
  });

  it('documents the example configuration as it is in examples/several-backends', async () => {
    const doc = await readFile(join(workspaceRoot, 'docs', 'configuration.md'), 'utf8');
    const example = await readFile(join(workspaceRoot, 'examples', 'several-backends', 'capstan.yaml'), 'utf8');
    expect(doc).toContain(`\`\`\`yaml\n${example}\`\`\`\n`);
  });
});
