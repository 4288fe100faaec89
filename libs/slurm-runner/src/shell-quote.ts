import { assertMountablePath } from '@capstan/job-script';

/** Slurm expands `%j`, `%x`, ... in --output/--error names; `%%` is a literal `%`. */
export function slurmFileName(path: string): string {
  assertMountablePath(path);
  return path.replace(/%/g, '%%');
}
