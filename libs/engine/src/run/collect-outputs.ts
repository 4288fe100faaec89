import { lstat, realpath } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { glob } from 'tinyglobby';

export interface OutputFile {
  /** The pattern that matched it. */
  readonly pattern: string;
  /** Relative to the work dir. */
  readonly path: string;
  readonly hostPath: string;
  readonly sizeBytes: number;
}

export interface CollectedOutputs {
  readonly files: readonly OutputFile[];
  /** Patterns that matched nothing, and matches refused for leaving the work dir. */
  readonly warnings: readonly string[];
}

/** Lists the files in the work dir that the task's output globs match, with their sizes. */
export async function collectOutputs(workDir: string, patterns: readonly string[]): Promise<CollectedOutputs> {
  const files: OutputFile[] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  const realWorkDir = await realpath(workDir);
  for (const pattern of patterns) {
    const matches = await glob(pattern, { cwd: workDir, onlyFiles: true, dot: true, followSymbolicLinks: false, expandDirectories: false });
    if (matches.length === 0) warnings.push(`outputs: "${pattern}" matched no file in the work dir`);
    for (const match of matches.sort()) {
      if (seen.has(match)) continue;
      seen.add(match);
      const hostPath = `${workDir}${sep}${match}`;
      const real = await realpath(hostPath).catch(() => undefined);
      if (real === undefined || relative(realWorkDir, real).startsWith('..')) {
        warnings.push(`outputs: "${match}" points outside the work dir and is not collected`);
        continue;
      }
      const info = await lstat(real);
      files.push({ pattern, path: match, hostPath, sizeBytes: info.size });
    }
  }
  return { files, warnings };
}
