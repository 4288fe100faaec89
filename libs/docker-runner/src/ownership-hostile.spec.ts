import { lstat, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DockerBackend } from './docker-backend';
import { DockerTestRun } from './testing/docker-test-kit';

jest.setTimeout(60_000);

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
});
