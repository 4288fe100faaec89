import { type TaskOutput } from '@capstan/core-constraints';
import { checkTaskFile, globTaskFolder } from '@capstan/task-files';
import { stat } from 'node:fs/promises';
import { sep } from 'node:path';

export interface OutputFile {
  /** The name of the output that matched it (its pattern in the list form). */
  readonly name: string;
  /** The pattern that matched it. */
  readonly pattern: string;
  /** Relative to the work dir. */
  readonly path: string;
  readonly hostPath: string;
  readonly sizeBytes: number;
}

export interface CollectedOutputs {
  readonly files: readonly OutputFile[];
  /** Required outputs that matched no file: the task fails with `missing_output`. */
  readonly missing: readonly TaskOutput[];
  /** Optional outputs that matched nothing, and matches refused (links, FIFOs, sockets, devices). */
  readonly warnings: readonly string[];
}

/**
 * Lists the files in the work dir that the task's outputs match, with their sizes. The task wrote that folder: a
 * match that is a link (in or out), a FIFO, socket or device is left out, never followed, and does not count as a
 * match; it is named in a warning.
 */
export async function collectOutputs(workDir: string, outputs: readonly TaskOutput[]): Promise<CollectedOutputs> {
  const files: OutputFile[] = [];
  const missing: TaskOutput[] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  for (const output of outputs) {
    const { name, pattern } = output;
    // Links, FIFOs, sockets and devices are listed too (names only), so each refused one is named below.
    const matches = await globTaskFolder(workDir, pattern);
    let found = 0;
    for (const match of matches) {
      const refusal = await checkTaskFile(workDir, match);
      if (refusal !== undefined) {
        if (!seen.has(match)) warnings.push(`outputs: ${refusal.message}; not collected`);
        seen.add(match);
        continue;
      }
      const hostPath = `${workDir}${sep}${match}`;
      const info = await stat(hostPath).catch(() => undefined);
      if (info?.isFile() !== true) continue;
      found += 1;
      if (seen.has(match)) continue;
      seen.add(match);
      files.push({ name, pattern, path: match, hostPath, sizeBytes: info.size });
    }
    if (found > 0) continue;
    if (output.optional) warnings.push(`outputs: optional output ${describeOutput(output)} matched no file in the work dir`);
    else missing.push(output);
  }
  return { files, missing, warnings };
}

/** `"*.vcf"`, or `bam ("*.bam")` for a named output. */
export function describeOutput(output: TaskOutput): string {
  return output.name === output.pattern ? `"${output.pattern}"` : `${output.name} ("${output.pattern}")`;
}
