import { execFile } from 'node:child_process';
import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const WORKSPACE = resolve(__dirname, '..', '..', '..', '..');

/**
 * Bundles worker.ts (and every package it uses) into one file in a fresh temp folder any user can read, so that it
 * runs anywhere with plain `node`. esbuild's CLI, not its API: the API refuses to run inside jest's sandboxed realm.
 */
export async function bundleWorker(): Promise<{ readonly file: string; readonly dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'capstan-apptainer-worker-'));
  await chmod(dir, 0o755);
  const file = join(dir, 'worker.cjs');
  await promisify(execFile)(
    join(WORKSPACE, 'node_modules', '.bin', 'esbuild'),
    [join(__dirname, 'worker.ts'), '--bundle', '--platform=node', '--target=node22.12', '--format=cjs', '--log-level=warning', `--tsconfig=${join(WORKSPACE, 'tsconfig.base.json')}`, `--outfile=${file}`],
    { cwd: WORKSPACE },
  );
  await chmod(file, 0o644);
  return { file, dir };
}
