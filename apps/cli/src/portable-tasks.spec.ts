import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCli, capstan, type CliResult, execFileAsync } from './testing/cli-harness';

// Issue 11, "portable task files": one task file, the image only in a local engine store, and no registry that has it.
const DOCKER_BUSYBOX = 'capstan-test/busybox:1';
const PODMAN_BUSYBOX = 'localhost/capstan-test/busybox:1';

interface Line {
  type: string;
  event?: { type: string; image?: string; source?: string; message?: string };
  results?: Array<{ state: string; exitCode: number | null; folder: string }>;
}

function lines(result: CliResult): Line[] {
  return result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Line);
}

/** What the task printed, read from its attempt's stdout file as named by the summary. */
async function taskStdout(result: CliResult): Promise<string> {
  const summary = lines(result).pop();
  expect(summary?.type).toBe('summary');
  return readFile(join(summary?.results?.[0]?.folder ?? '', 'attempts', '1', 'stdout'), 'utf8');
}

const backendEvents = (result: CliResult, type: string): NonNullable<Line['event']>[] =>
  lines(result).flatMap((line) => (line.type === 'backend' && line.event?.type === type ? [line.event] : []));

describe('portable task files: one task file on docker, podman and apptainer (the built CLI, real engines)', () => {
  jest.setTimeout(180_000);
  let dir: string;
  /** Tags this file adds to the real stores (named after the branch), removed at the end. */
  const added: Array<{ engine: 'docker' | 'podman'; name: string }> = [];
  const unique = (): string => `cli-portable-${randomBytes(4).toString('hex')}`;
  async function tag(engine: 'docker' | 'podman', from: string, name: string): Promise<void> {
    await execFileAsync(engine, ['tag', from, name]);
    added.push({ engine, name });
  }
  async function taskFile(container: string): Promise<string> {
    const file = join(dir, `${unique()}.json`);
    await writeFile(file, JSON.stringify({ name: 'portable', command: 'echo "portable: $(cat /etc/group | head -n 1)"', requirements: { container }, hints: { shell: 'sh' } }));
    return file;
  }
  /** A private SIF cache, so the conversion really happens in this test. */
  const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({ ...process.env, CAPSTAN_APPTAINER__CACHE_DIR: join(dir, 'sif-cache'), ...extra });

  beforeAll(buildCli, 60_000);
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capstan-cli-portable-'));
    await chmod(dir, 0o755);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  afterAll(async () => {
    for (const { engine, name } of added) await execFileAsync(engine, ['rmi', name]).catch(() => undefined);
  });

  it('runs an image only the Docker store has with --backend apptainer: the SIF is built from the docker daemon, and it says so', async () => {
    const image = `cli-portable/docker-only:${unique()}`;
    await tag('docker', DOCKER_BUSYBOX, image);
    const file = await taskFile(image);
    const plan = await capstan(['plan', file, '--backend', 'apptainer'], { env: env() });
    expect(plan.stdout).toContain(`  image      ${image}: would be converted from the local Docker store (docker-daemon:docker.io/${image})`);
    const result = await capstan(['run', file, '--backend', 'apptainer', '--work-root', dir, '--json'], { env: env() });
    expect(result.code).toBe(0);
    expect(backendEvents(result, 'pulled')).toEqual([expect.objectContaining({ image, source: `the local Docker store (docker-daemon:docker.io/${image})` })]);
    expect(await taskStdout(result)).toBe('portable: root:x:0:\n');
    const planned = JSON.parse((await capstan(['plan', file, '--backend', 'apptainer', '--json'], { env: env() })).stdout) as { images: string[] };
    expect(planned.images).toEqual([expect.stringMatching(new RegExp(`^${image}: in the SIF cache \\(${join(dir, 'sif-cache')}/docker_docker\\.io_cli-portable_docker-only_.*\\.sif\\)$`))]);
    // The human progress line says it too.
    const human = await capstan(['run', file, '--backend', 'apptainer', '--work-root', dir], { env: env({ CAPSTAN_APPTAINER__PULL_POLICY: 'always' }) });
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`pulled ${image} from the local Docker store (docker-daemon:docker.io/${image})`);
  });

  it('runs an image only the Podman store has with --backend apptainer (podman save into the conversion\'s private folder)', async () => {
    const image = `localhost/cli-portable/podman-only:${unique()}`;
    await tag('podman', PODMAN_BUSYBOX, image);
    const result = await capstan(['run', await taskFile(image), '--backend', 'apptainer', '--work-root', dir, '--json'], { env: env() });
    expect(result.code).toBe(0);
    expect(backendEvents(result, 'pulled')).toEqual([expect.objectContaining({ source: `the local Podman store (podman save ${image})` })]);
    expect(backendEvents(result, 'warning')).toEqual([]);
    expect(await taskStdout(result)).toBe('portable: root:x:0:\n');
  });

  it('gives the same output for the same task file on docker, podman and apptainer', async () => {
    // As after `docker save | podman load`: one fully qualified name in both engines' stores.
    const image = `docker.io/cli-portable/same:${unique()}`;
    await tag('docker', DOCKER_BUSYBOX, image);
    await tag('podman', PODMAN_BUSYBOX, image);
    const file = await taskFile(image);
    const outputs: Record<string, string> = {};
    for (const backend of ['docker', 'podman', 'apptainer']) {
      const result = await capstan(['run', file, '--backend', backend, '--work-root', join(dir, backend), '--json'], { env: env() });
      expect({ backend, code: result.code, stderr: result.stderr }).toEqual({ backend, code: 0, stderr: '' });
      outputs[backend] = await taskStdout(result);
    }
    expect(outputs).toEqual({ docker: 'portable: root:x:0:\n', podman: 'portable: root:x:0:\n', apptainer: 'portable: root:x:0:\n' });
  });

  it('qualifies a short name as Docker would when auto falls back from an unreachable Docker to Podman, with a warning', async () => {
    const short = `cli-portable/short:${unique()}`;
    await tag('podman', PODMAN_BUSYBOX, `docker.io/${short}`);
    const file = await taskFile(short);
    // Docker is unreachable for this capstan process only: its socket is a path where nothing listens.
    const noDocker = env({ CAPSTAN_DOCKER__SOCKET_PATH: join(dir, 'cli-portable-no-docker.sock') });
    // Human output: the backend choice goes to stderr there (not into --json's event stream).
    const result = await capstan(['run', file, '--work-root', dir], { env: noDocker });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/backend docker: passed over \(.*cli-portable-no-docker\.sock/);
    expect(result.stderr).toContain('backend podman: available, chosen');
    expect(result.stderr).toContain('backend podman: short image names are read as Docker reads them (busybox:1 as docker.io/library/busybox:1)');
    expect(result.stdout).toContain(
      `warning: the short image name ${short} was taken as docker.io/${short} (auto chose Podman because Docker did not answer; set podman.shortNames to refuse or docker.io to decide)`,
    );
    const json = await capstan(['run', file, '--work-root', dir, '--json'], { env: noDocker });
    expect(json.code).toBe(0);
    expect(backendEvents(json, 'warning')).toHaveLength(1);
    expect(await taskStdout(json)).toBe('portable: root:x:0:\n');

    // Configured, the policy wins over the fallback: refused, and the error names both qualified forms and the fix.
    const refused = await capstan(['run', file, '--work-root', dir, '--json'], { env: { ...noDocker, CAPSTAN_PODMAN__SHORT_NAMES: 'refuse' } });
    expect(refused.stderr).not.toContain('short image names are read as Docker reads them');
    expect(refused.code).not.toBe(0);
    expect(refused.stdout).toContain(`docker.io/${short} (Docker Hub) or localhost/${short}`);
  });

  it('never takes a localhost/ lookalike for a short name on the fallback (only the Docker form, which Podman has not got)', async () => {
    const short = `cli-portable/lookalike:${unique()}`;
    await tag('podman', PODMAN_BUSYBOX, `localhost/${short}`);
    const noDocker = env({ CAPSTAN_DOCKER__SOCKET_PATH: join(dir, 'cli-portable-no-docker.sock'), CAPSTAN_PODMAN__PULL_POLICY: 'never' });
    const result = await capstan(['run', await taskFile(short), '--work-root', dir, '--json'], { env: noDocker });
    expect(result.code).toBe(69);
    // The attempt ends before any container: the image named is the Docker form, which this Podman has not got.
    expect(result.stdout).toMatch(new RegExp(`docker\\.io/${short.replace(/[.]/g, '\\.')}.*(not present|pull policy)`));
    expect(lines(result).some((line) => line.type === 'backend' && line.event?.type === 'started')).toBe(false);
  });

  it('keeps refusing short names under an explicit --backend podman (the user chose Podman\'s rules), naming the fix', async () => {
    const short = `cli-portable/explicit:${unique()}`;
    await tag('podman', PODMAN_BUSYBOX, `docker.io/${short}`);
    const result = await capstan(['run', await taskFile(short), '--backend', 'podman', '--work-root', dir, '--json'], { env: env() });
    expect(result.code).not.toBe(0);
    expect(result.stdout).toContain("set the podman backend's shortNames to docker.io");
  });
});
