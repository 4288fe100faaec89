import { BackendTestRun, strangerKey, TestSshd } from '@capstan/backend-test-kit';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SlurmBackend } from './slurm-backend';
import { DOCKER_IMAGE, testBackend } from './testing/slurm-test-kit';

// The native slurm backend with its commands on a "login node" over SSH: a real sshd on a free loopback port (from
// tools/engines/sshd.sh's config and keys) in front of the real one-node Slurm of tools/engines/slurm.sh.
describe('SlurmBackend over SSH', () => {
  const sshd = new TestSshd();
  const run = new BackendTestRun('capstan-slurm-ssh-', DOCKER_IMAGE);
  const open: SlurmBackend[] = [];
  beforeAll(() => sshd.setUp());
  afterAll(() => sshd.tearDown());
  beforeEach(() => run.setUp());
  afterEach(async () => {
    for (const backend of open.splice(0)) backend.close();
    await run.tearDown();
  });
  function backend(ssh = sshd.options()): SlurmBackend {
    const made = testBackend({ runtime: 'docker', accounting: false, ssh });
    open.push(made);
    return made;
  }

  it('probes and runs tasks with every Slurm command a session of one connection, one squeue per poll', async () => {
    const instance = backend();
    const before = await sshd.connections();
    const sessionsBefore = await sshd.count('Starting session');
    const probe = await instance.probe();
    expect(probe).toMatchObject({ available: true, details: { sshHost: `127.0.0.1:${sshd.port}` } });
    const requests = await Promise.all([1, 2].map((n) => run.request(instance, { command: `sleep 1; echo slurm over ssh ${n}; exit ${n}` })));
    const results = await Promise.all(requests.map((request) => instance.execute(request, new AbortController().signal, () => undefined)));
    expect(results.map((result) => [result.exitCode, result.endReason])).toEqual([[1, 'exited'], [2, 'exited']]);
    expect(await Promise.all(requests.map((request) => readFile(request.paths.stdoutFile, 'utf8')))).toEqual(['slurm over ssh 1\n', 'slurm over ssh 2\n']);
    expect(await sshd.connections()).toBe(before + 1);
    expect(instance.commandCounts()).toMatchObject({ sbatch: 3, squeue: instance.monitorStatistics().polls });
    // Every command ran on the far side: one session each, none here.
    expect(await sshd.count('Starting session')).toBe(sessionsBefore + Object.values(instance.commandCounts()).reduce((sum, n) => sum + n, 0));
  }, 90_000);

  it('refuses an unknown host key, typed, naming slurm.ssh.knownHostsFile', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'capstan-slurm-ssh-'));
    try {
      const knownHostsFile = join(folder, 'known_hosts');
      await writeFile(knownHostsFile, `[127.0.0.1]:${sshd.port} ${(await strangerKey(folder)).publicKey}\n`);
      const probe = await backend(sshd.options({ knownHostsFile })).probe();
      expect(probe).toMatchObject({ available: false });
      expect(probe.problems[0]).toContain('slurm.ssh.knownHostsFile');
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
