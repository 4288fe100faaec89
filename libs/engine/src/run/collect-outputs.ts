import { checkTaskFile, globTaskFolder } from '@capstan/task-files';
import { stat } from 'node:fs/promises';
import { sep } from 'node:path';

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
  /** Patterns that matched nothing, and matches refused (links, FIFOs, sockets, devices). */
  readonly warnings: readonly string[];
}

/**
 * Lists the files in the work dir that the task's output globs match, with their sizes. The task wrote that folder:
 * a match that is a link (in or out), a FIFO, socket or device is named in a warning and left out, never followed.
 */
export async function collectOutputs(workDir: string, patterns: readonly string[]): Promise<CollectedOutputs> {
  const files: OutputFile[] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  for (const pattern of patterns) {
    const matches = await globTaskFolder(workDir, pattern);
    if (matches.length === 0) warnings.push(`outputs: "${pattern}" matched no file in the work dir`);
    for (const match of matches) {
      if (seen.has(match)) continue;
      seen.add(match);
      const refusal = await checkTaskFile(workDir, match);
      if (refusal !== undefined) {
        warnings.push(`outputs: ${refusal.message}; not collected`);
        continue;
      }
      const hostPath = `${workDir}${sep}${match}`;
      const info = await stat(hostPath).catch(() => undefined);
      if (info?.isFile() === true) files.push({ pattern, path: match, hostPath, sizeBytes: info.size });
    }
  }
  return { files, warnings };
}
