import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The built dashboard beside the running program: `dashboard/` next to the workspace's bundle
 * (dist/apps/{api,cli}/, written by their build), or `dist/dashboard/` in the published package, whose bin sits in
 * `bin/`. Undefined when neither holds an index.html (a run from source, under jest): the server then says so at `/`.
 */
export function findDashboardDir(program: string | undefined = process.argv[1]): string | undefined {
  if (program === undefined || !existsSync(program)) return undefined;
  const folder = dirname(realpathSync(program));
  return [join(folder, 'dashboard'), join(folder, '..', 'dist', 'dashboard')].find((candidate) => existsSync(join(candidate, 'index.html')));
}
