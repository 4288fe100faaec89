import { DockerClient, DockerStreamDemuxer } from '@capstan/docker-api/internal';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';

jest.setTimeout(180_000);

/** Made by tools/engines/cli-image.sh from the working tree: busybox, node, the CLI bundle and its npm packages. */
const CLI_IMAGE = 'capstan-test/cli:1';
const REPOSITORY = resolve(__dirname, '../../..');
/** Where the host's temp folder appears inside Capstan's container: deliberately not the host's own path. */
const INSIDE = '/work';
const TEST_LABEL = { 'io.capstan.test': 'sibling-containers' };

interface CliRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

interface TaskSummary {
  readonly runId: string;
  readonly state: string;
  readonly exitCode: number | null;
  readonly folder: string;
  readonly outputs: ReadonlyArray<{ readonly path: string }>;
  readonly error?: { readonly code: string; readonly message: string };
}

// Capstan's CLI in a container of the host's Docker with the host's socket mounted (no Docker-in-Docker): the task
// containers it starts are its siblings, and every path it hands the daemon must be the host's.
describe('the docker backend in a sibling container (real daemon)', () => {
  const client = new DockerClient({}, {});
  let host: string;

  beforeAll(async () => {
    execFileSync('bash', [join(REPOSITORY, 'tools/engines/cli-image.sh')], { stdio: 'pipe', env: { ...process.env, CAPSTAN_ENGINES_NO_DEPS: '1' } });
    host = await mkdtemp(join(tmpdir(), 'capstan-sibling-'));
    await writeFile(join(host, 'in.txt'), 'hello from the host\n');
    await writeFile(
      join(host, 'task.yaml'),
      [
        'name: sibling',
        'command: |',
        '  tr a-z A-Z < /mnt/task/inputs/in.txt > shout.txt',
        '  cat /mnt/task/inputs/in.txt',
        'requirements:',
        '  container: capstan-test/busybox:1',
        '  cpu: 0.5',
        '  memory: 64 MiB',
        'inputs:',
        `  - source: ${INSIDE}/in.txt`,
        'outputs:',
        '  - shout.txt',
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    const left = await client.listContainers(TEST_LABEL);
    await Promise.all(left.map((container) => client.removeContainer(container.id)));
    if (host !== undefined) await rm(host, { recursive: true, force: true });
  });

  /** `capstan ARGS` in the CLI image, with the host's socket and the host folder mounted at /work; removed after. */
  async function capstan(args: readonly string[]): Promise<CliRun> {
    const id = await client.createContainer({
      Image: CLI_IMAGE,
      Cmd: ['capstan', ...args],
      WorkingDir: INSIDE,
      Labels: TEST_LABEL,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      HostConfig: { Binds: ['/var/run/docker.sock:/var/run/docker.sock', `${host}:${INSIDE}`], NetworkMode: 'none' },
    });
    try {
      const output = { stdout: '', stderr: '' };
      const stream = await client.attachOutput(id);
      const collected = pipeline(
        stream,
        new DockerStreamDemuxer((name, payload) => {
          output[name] += payload.toString('utf8');
        }),
      );
      await client.startContainer(id);
      const exitCode = await client.waitContainer(id);
      await collected;
      return { exitCode, ...output };
    } finally {
      await client.removeContainer(id);
    }
  }

  function summaryOf(run: CliRun): TaskSummary {
    const last = run.stdout.trim().split('\n').pop() ?? '';
    const summary = JSON.parse(last) as { type: string; results: TaskSummary[] };
    if (summary.type !== 'summary' || summary.results[0] === undefined) throw new Error(`no summary in: ${run.stdout}\n${run.stderr}`);
    return summary.results[0];
  }

  const onHost = (path: string): string => join(host, path.slice(INSIDE.length));

  it('runs a task whose input and work folder are on a host folder mounted at another path', async () => {
    const run = await capstan(['run', '--json', '--backend', 'docker', '--shell', 'sh', '--work-root', `${INSIDE}/runs`, `${INSIDE}/task.yaml`]);
    const task = summaryOf(run);
    expect({ exitCode: run.exitCode, state: task.state, error: task.error }).toEqual({ exitCode: 0, state: 'succeeded', error: undefined });
    expect(task.folder.startsWith(`${INSIDE}/runs/`)).toBe(true);
    const attempt = join(onHost(task.folder), 'attempts', '1');
    expect(await readFile(join(attempt, 'stdout'), 'utf8')).toBe('hello from the host\n');
    expect(await readFile(join(attempt, 'work', 'shout.txt'), 'utf8')).toBe('HELLO FROM THE HOST\n');
    expect(task.outputs.map((output) => output.path)).toEqual(['shout.txt']);
    // Every package the CLI loads at first use (the output glob) or reads as a file (the report's chart script) is in
    // the image: the run leaves its report and warns of nothing.
    expect(run.stderr).not.toMatch(/warning/);
    expect(readdirSync(join(onHost(task.folder), '..')).sort()).toEqual(expect.arrayContaining(['report.html', 'run.json', 'trace.tsv']));
    expect(await client.listContainers({ 'io.capstan.run-id': task.runId })).toEqual([]);
    expect(await client.listContainers(TEST_LABEL)).toEqual([]);
  });

  it('refuses a work folder in its own container’s filesystem, naming it and the fix, and creates no container', async () => {
    const run = await capstan(['run', '--json', '--backend', 'docker', '--shell', 'sh', '--work-root', '/scratch/runs', `${INSIDE}/task.yaml`]);
    const task = summaryOf(run);
    expect({ exitCode: run.exitCode, state: task.state, code: task.error?.code }).toEqual({ exitCode: 78, state: 'error', code: 'config.invalid' });
    expect(task.error?.message).toMatch(/^the work dir \/scratch\/runs\/\S+\/work is not visible to the daemon: Capstan runs in container /);
    expect(task.error?.message).toContain(`(mounted: /var/run/docker.sock, ${INSIDE})`);
    expect(task.error?.message).toContain('mount a host folder there (e.g. docker run -v /srv/capstan/scratch:/scratch ...)');
    expect(await client.listContainers({ 'io.capstan.run-id': task.runId })).toEqual([]);
  });
});
