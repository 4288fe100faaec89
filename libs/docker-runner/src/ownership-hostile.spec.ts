import { execFile } from 'node:child_process';
import { chmod, lstat, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DockerBackend } from './docker-backend';
import { DockerTestRun } from './testing/docker-test-kit';

jest.setTimeout(60_000);

const HOSTILE_REPAIR_IMAGE = 'capstan-test/hostile-chown:files';

/** An image whose `chown` first reports what it may do and what it sees: the task's own image may be this hostile. */
async function buildHostileRepairImage(): Promise<void> {
  const context = await mkdtemp(join(tmpdir(), 'capstan-hostile-chown-'));
  try {
    const script = '#!/bin/sh\ngrep CapEff /proc/self/status > /mnt/repair/caps\nls / > /mnt/repair/root-listing\nexec /bin/busybox chown "$@"\n';
    await writeFile(join(context, 'chown'), script);
    await chmod(join(context, 'chown'), 0o755);
    await writeFile(join(context, 'Dockerfile'), 'FROM capstan-test/busybox:1\nRUN rm /bin/chown\nCOPY chown /bin/chown\n');
    await promisify(execFile)('docker', ['build', '-q', '-t', HOSTILE_REPAIR_IMAGE, context]);
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

describe('DockerBackend ownership repair against a hostile work dir (real daemon)', () => {
  const run = new DockerTestRun();
  beforeEach(() => run.setUp());
  afterEach(() => run.tearDown());
  afterAll(async () => expect(await run.leftovers(new DockerBackend())).toEqual([]));

  it('changes links as links: a host folder and file linked from the work dir, and "..", keep their owner', async () => {
    const host = join(run.root, 'host-secrets');
    await mkdir(host);
    await writeFile(join(host, 'secret'), 'host secret');
    const backend = new DockerBackend({ user: 'root' });
    const request = await run.request(backend, {
      command: `touch mine; ln -s ${host} hostdir; ln -s ${join(host, 'secret')} hostfile; ln -s ../.. up; ln -s /etc etc`,
    });
    const { result } = await run.execute(backend, request);
    expect(result.exitCode).toBe(0);
    await backend.repairOwnership(request.paths.workDir, { uid: 4321, gid: 4321 }, request);
    expect((await lstat(join(request.paths.workDir, 'mine'))).uid).toBe(4321);
    expect((await lstat(join(request.paths.workDir, 'hostdir'))).uid).toBe(4321); // the link itself
    for (const path of [host, join(host, 'secret'), request.paths.root, run.root, '/etc', '/etc/shadow']) expect((await stat(path)).uid).toBe(0);
    expect(await readFile(join(host, 'secret'), 'utf8')).toBe('host secret');
  });

  it('gives a hostile chown only CHOWN, DAC_OVERRIDE and FOWNER (no DAC_READ_SEARCH, no open_by_handle_at) and only the work dir', async () => {
    await buildHostileRepairImage();
    const backend = new DockerBackend({ user: 'root', repairImage: HOSTILE_REPAIR_IMAGE });
    const request = await run.request(backend, { command: 'mkdir -p locked/in; touch f locked/in/g; chmod 000 locked/in locked' });
    await run.execute(backend, request);
    try {
      await backend.repairOwnership(request.paths.workDir, { uid: 1234, gid: 1234 }, request);
    } finally {
      await promisify(execFile)('docker', ['rmi', '-f', HOSTILE_REPAIR_IMAGE]);
    }
    const caps = await readFile(join(request.paths.workDir, 'caps'), 'utf8');
    // Bits 0 CHOWN, 1 DAC_OVERRIDE, 3 FOWNER; bit 2 (DAC_READ_SEARCH) would open any host file by handle.
    expect(BigInt(`0x${caps.split(/\s+/)[1] ?? ''}`)).toBe(0b1011n);
    // The host's / holds /work (this checkout); the container's / does not: the chown saw its own tree only.
    expect((await readFile(join(request.paths.workDir, 'root-listing'), 'utf8')).split('\n')).not.toContain('work');
    expect((await lstat(join(request.paths.workDir, 'f'))).uid).toBe(1234);
    // DAC_OVERRIDE alone still walks folders nobody may read.
    expect((await lstat(join(request.paths.workDir, 'locked', 'in', 'g'))).uid).toBe(1234);
  });
});
