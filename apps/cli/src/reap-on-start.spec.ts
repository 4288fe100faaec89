import { capstanLabels, holderLabels } from '@capstan/naming';
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCli, capstan, containersWithLabel, execFileAsync } from './testing/cli-harness';

const IMAGE = 'capstan-test/busybox:1';
const HOLDER_FOLDER = '/var/lib/capstan-t10-edges-data';

/** The reap-on-start of `capstan run` on the real Docker daemon: what it leaves alone, it names. */
describe('capstan run reaping at start (the built CLI, real Docker)', () => {
  jest.setTimeout(120_000);
  let dir: string;
  let marker: string;
  beforeAll(buildCli, 60_000);
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capstan-reap-start-'));
    await chmod(dir, 0o755);
    marker = `t10-edges-held-${Date.now()}`;
  });
  afterEach(async () => {
    const left = await containersWithLabel(`io.capstan.task=${marker}`);
    if (left.length > 0) await execFileAsync('docker', ['rm', '-f', ...left]);
    await rm(dir, { recursive: true, force: true });
  });

  /** A container as a TES server on a data folder leaves it after its restart: the owner pid it carries is gone. */
  async function startHeldContainer(): Promise<void> {
    const deadPid = spawnSync('true').pid;
    const labels = {
      ...capstanLabels({ runId: 'run-t10-edges', taskName: marker, uniqueName: `${marker}-a1`, attempt: 1, ownerPid: deadPid }),
      ...holderLabels({ id: 'T10edgesHolder0123456789', folder: HOLDER_FOLDER }),
    };
    await execFileAsync('docker', ['run', '-d', '--name', marker, ...Object.entries(labels).flatMap(([key, value]) => ['--label', `${key}=${value}`]), IMAGE, 'sleep', '300']);
  }

  it('leaves a container held by a TES server data folder and says in one line what it skipped and why', async () => {
    await startHeldContainer();
    const result = await capstan(['run', '--image', IMAGE, '--shell', 'sh', '--backend', 'docker', '--work-root', dir, '--', 'true']);
    expect(result.code).toBe(0);
    const lines = result.stderr.split('\n').filter((line) => line.includes(marker));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^capstan: skipped \\d+ container\\(s\\) whose Capstan process is gone: (.*, )?${marker}(, .*)?: held by the TES server data folder ${HOLDER_FOLDER} `));
    expect(lines[0]).toContain('its server takes it over when it starts again');
    expect(await containersWithLabel(`io.capstan.task=${marker}`)).toHaveLength(1);
  });

  it('says nothing of it under --json (the output stays one JSON document per line)', async () => {
    await startHeldContainer();
    const result = await capstan(['run', '--image', IMAGE, '--shell', 'sh', '--backend', 'docker', '--work-root', dir, '--json', '--', 'true']);
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain(marker);
    expect(await containersWithLabel(`io.capstan.task=${marker}`)).toHaveLength(1);
  });
});
