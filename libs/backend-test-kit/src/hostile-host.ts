import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What a hostile task aims at: a host folder outside every task folder, with a secret and a folder inside. */
export interface HostFixture {
  readonly folder: string;
  readonly secretFile: string;
  readonly secret: string;
}

/** Makes `<base>/host` with `secret.txt` (the given text) and `inner/keep.txt`, owned by whoever runs the test. */
export async function makeHostFixture(base: string, secret = 'host secret: never an output\n'): Promise<HostFixture> {
  const folder = join(base, 'host');
  await mkdir(join(folder, 'inner'), { recursive: true });
  await writeFile(join(folder, 'secret.txt'), secret);
  await writeFile(join(folder, 'inner', 'keep.txt'), 'keep');
  return { folder, secretFile: join(folder, 'secret.txt'), secret };
}

/**
 * What changed in the host fixture since `makeHostFixture`: [] when untouched. Content, the listing of both folders
 * (nothing added, removed or relinked), and the owner (a chown through a link would show here).
 */
export async function hostChanges(host: HostFixture): Promise<string[]> {
  const changes: string[] = [];
  const read = (path: string): Promise<string> => readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => `<${error.code ?? 'unreadable'}>`);
  if ((await read(host.secretFile)) !== host.secret) changes.push(`${host.secretFile}: content changed`);
  const owner = await stat(host.secretFile).then((info) => info.uid, () => -1);
  if (owner !== process.getuid?.()) changes.push(`${host.secretFile}: owner is now uid ${owner}`);
  const listing = (await readdir(host.folder).catch(() => [] as string[])).sort().join(',');
  if (listing !== 'inner,secret.txt') changes.push(`${host.folder}: holds ${listing}`);
  const inner = (await readdir(join(host.folder, 'inner')).catch(() => [] as string[])).join(',');
  if (inner !== 'keep.txt') changes.push(`${host.folder}/inner: holds ${inner}`);
  if ((await read(join(host.folder, 'inner', 'keep.txt'))) !== 'keep') changes.push(`${host.folder}/inner/keep.txt: content changed`);
  return changes;
}

/**
 * The output corpus a task plants in its work dir, as one shell command: links out (a file, a folder) and in, a
 * FIFO, a device node and a hard link to the host secret where the runtime lets it (each attempt that fails is
 * printed as `refused: <vector>`), and a folder link the globs then reach through. Collect with `HOSTILE_OUTPUTS`:
 * only `ok.txt` may be an output; every other name in `HOSTILE_REFUSED` must come back in a warning.
 */
export function hostileOutputCommand(host: HostFixture): string {
  return [
    'echo ok > ok.txt',
    `ln -s ${host.secretFile} secret.txt`,
    'ln -s ok.txt alias.txt',
    `ln -s ${host.folder} hostdir`,
    'mkfifo pipe.txt',
    "{ mknod null.txt c 1 3 2>/dev/null || echo 'refused: mknod'; }",
    `{ ln ${host.secretFile} hard.txt 2>/dev/null || echo 'refused: hard link'; }`,
  ].join('; ');
}

// The second is optional: everything it matches is refused, and a required output left empty would fail the task.
export const HOSTILE_OUTPUTS: readonly string[] = ['*.txt', 'hostdir/*.txt?'];

/** The names of the corpus a warning must name (the device node only where the runtime let the task make it). */
export const HOSTILE_REFUSED: readonly string[] = ['alias.txt', 'pipe.txt', 'secret.txt', 'hostdir/secret.txt'];
