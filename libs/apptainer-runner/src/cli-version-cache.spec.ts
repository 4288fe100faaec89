import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeVersionCached } from './apptainer-cli';

/** A stand-in binary that prints `text` and counts its runs in a file beside it. */
async function fakeBinary(folder: string, name: string, text: string): Promise<string> {
  await mkdir(folder, { recursive: true });
  const path = join(folder, name);
  await writeFile(path, `#!/bin/sh\necho run >> "${path}.runs"\necho '${text}'\n`, { mode: 0o755 });
  return path;
}

const runsOf = async (binary: string): Promise<number> => (await readFile(`${binary}.runs`, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;

describe('probeVersionCached: the CLI version kept between processes, for the same binary file', () => {
  let dir: string;
  let cache: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'call-path-cli-version-'));
    cache = join(dir, 'cache');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('runs the binary once; later calls read the file; an upgraded binary (another file) is run again', async () => {
    const binary = await fakeBinary(join(dir, 'bin'), 'apptainer', 'apptainer version 1.4.5');
    const env = { PATH: `${join(dir, 'bin')}:/usr/bin:/bin` };
    await expect(probeVersionCached('apptainer', env, cache)).resolves.toEqual({ flavour: 'apptainer', version: '1.4.5', text: 'apptainer version 1.4.5' });
    await expect(probeVersionCached('apptainer', env, cache)).resolves.toMatchObject({ version: '1.4.5' });
    expect(await runsOf(binary)).toBe(1);
    await rm(binary);
    await fakeBinary(join(dir, 'bin'), 'apptainer', 'apptainer version 1.5.0');
    await expect(probeVersionCached('apptainer', env, cache)).resolves.toMatchObject({ version: '1.5.0' });
    expect(await runsOf(binary)).toBe(2);
  });

  it('keys the entry by the name and the file found on PATH: another PATH or name is probed on its own', async () => {
    const first = await fakeBinary(join(dir, 'a'), 'apptainer', 'apptainer version 1.4.5');
    const second = await fakeBinary(join(dir, 'b'), 'apptainer', 'singularity-ce version 4.1.2');
    await probeVersionCached('apptainer', { PATH: join(dir, 'a') }, cache);
    await expect(probeVersionCached('apptainer', { PATH: join(dir, 'b') }, cache)).resolves.toMatchObject({ flavour: 'singularity', version: '4.1.2' });
    await expect(probeVersionCached(first, {}, cache)).resolves.toMatchObject({ flavour: 'apptainer' });
    expect([await runsOf(first), await runsOf(second)]).toEqual([2, 1]);
  });

  it('hostile: an entry that names neither Apptainer nor Singularity, or that others may write, is not believed', async () => {
    const binary = await fakeBinary(join(dir, 'bin'), 'apptainer', 'apptainer version 1.4.5');
    const env = { PATH: join(dir, 'bin') };
    await probeVersionCached('apptainer', env, cache);
    const [name] = await readdir(cache);
    const path = join(cache, name as string);
    const entry = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    await writeFile(path, JSON.stringify({ ...entry, value: 'docker version 20.10' }));
    await expect(probeVersionCached('apptainer', env, cache)).resolves.toMatchObject({ version: '1.4.5' });
    await writeFile(path, JSON.stringify({ ...entry, value: 'singularity version 3.0' }));
    await chmod(path, 0o666);
    await expect(probeVersionCached('apptainer', env, cache)).resolves.toMatchObject({ flavour: 'apptainer', version: '1.4.5' });
    expect(await runsOf(binary)).toBe(3);
  });

  it('fault: a missing binary says how to install it (nothing is cached); a failing one is never cached; a folder on PATH is passed over', async () => {
    await expect(probeVersionCached('no-such-apptainer', { PATH: '/usr/bin:/bin' }, cache)).rejects.toThrow(/not found on PATH; install Apptainer/);
    await mkdir(join(dir, 'shadow', 'apptainer'), { recursive: true });
    const broken = join(dir, 'bin', 'apptainer');
    await mkdir(join(dir, 'bin'));
    await writeFile(broken, `#!/bin/sh\necho run >> "${broken}.runs"\necho 'it broke' >&2\nexit 3\n`, { mode: 0o755 });
    const env = { PATH: `${join(dir, 'shadow')}:${join(dir, 'bin')}` };
    await expect(probeVersionCached('apptainer', env, cache)).rejects.toThrow(/--version" failed: it broke/);
    await expect(probeVersionCached('apptainer', env, cache)).rejects.toThrow(/failed/);
    expect(await runsOf(broken)).toBe(2);
    // The entry names the file that ran, not the folder before it on PATH: replacing that file is seen.
    await rm(broken);
    await fakeBinary(join(dir, 'bin'), 'apptainer', 'apptainer version 1.4.5');
    await expect(probeVersionCached('apptainer', env, cache)).resolves.toMatchObject({ version: '1.4.5' });
    await rm(broken);
    await fakeBinary(join(dir, 'bin'), 'apptainer', 'apptainer version 1.5.0');
    await expect(probeVersionCached('apptainer', env, cache)).resolves.toMatchObject({ version: '1.5.0' });
  });

  it('the installed apptainer: the cached answer equals the probed one', async () => {
    const env = { PATH: process.env['PATH'] ?? '' };
    const first = await probeVersionCached('apptainer', env, cache);
    await expect(probeVersionCached('apptainer', env, cache)).resolves.toEqual(first);
    expect(first.flavour).toBe('apptainer');
  });
});
