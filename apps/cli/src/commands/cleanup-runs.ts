import { removeOldRuns } from '@capstan/cleanup';
import { resolve } from 'node:path';
import { type CommandIo, usageError } from './common-options';
import { CLEANUP_COMMAND } from './definitions';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `7d`, `12h`, `30m`: how old a run folder must be to go. */
export function parseAge(text: string): number {
  const match = /^([1-9][0-9]{0,5})([mhd])$/.exec(text);
  if (match === null) throw usageError(CLEANUP_COMMAND, `--older-than is ${JSON.stringify(text)}; give a whole number with m, h or d, e.g. 7d`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** `capstan cleanup --runs`: old run folders under the work root, confined (see removeOldRuns). Returns an exit code. */
export async function cleanupRuns(workRoot: string, olderThanMs: number, options: { dryRun: boolean; json: boolean }, io: CommandIo): Promise<number> {
  const root = resolve(workRoot);
  const report = await removeOldRuns(root, { olderThanMs, dryRun: options.dryRun });
  if (options.json) {
    io.stdout(`${JSON.stringify({ workRoot: root, dryRun: options.dryRun, ...report })}\n`);
    return 0;
  }
  const verb = options.dryRun ? 'would remove' : 'removed';
  report.removed.forEach((path) => io.stdout(`${verb} ${path}\n`));
  report.skipped.forEach((item) => io.stdout(`skipped ${item.path}: ${item.reason}\n`));
  io.stdout(`${root}: ${verb} ${report.removed.length} run folder(s), skipped ${report.skipped.length}, kept ${report.kept} (younger)\n`);
  return 0;
}
