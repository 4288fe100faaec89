import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAttemptFolder, uniqueId } from './backend-test-run';
import { localRegistry } from './local-registry';

describe('backend test kit', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capstan-test-kit-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('makes an attempt folder laid out as the engine makes it', async () => {
    const paths = await createAttemptFolder(join(dir, 'task'), 2, 'echo hi');
    expect(paths.root).toBe(join(dir, 'task', 'attempts', '2'));
    expect((await readdir(paths.root)).sort()).toEqual(['command', 'stderr', 'stdout', 'work']);
    expect(await readFile(paths.commandFile, 'utf8')).toBe('echo hi\n');
  });

  it('reads the local registry credentials file written by tools/engines/registry.sh', async () => {
    const file = join(dir, 'credentials.env');
    await writeFile(file, 'REGISTRY=127.0.0.1:5000\nREGISTRY_USER=capstan\nREGISTRY_PASSWORD=p=w\nREGISTRY_IMAGE=127.0.0.1:5000/capstan/busybox:1\n');
    expect(localRegistry(file)).toEqual({ registry: '127.0.0.1:5000', username: 'capstan', password: 'p=w', image: '127.0.0.1:5000/capstan/busybox:1' });
  });

  it('gives ids that differ and carry their prefix', () => {
    const ids = new Set(Array.from({ length: 100 }, () => uniqueId('run')));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^run-[0-9a-f]{10}$/);
  });
});
