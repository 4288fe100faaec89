import { runIdOfFolder } from '@capstan/core-constraints';
import { CapstanLabel } from '@capstan/support';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** One path segment the engine could have made: no separators, not `.` or `..`. */
const SEGMENT = /^(?!\.\.?$)[^/\\\0]{1,255}$/;

/**
 * The files into which an earlier server process captured the output of the attempt running in a container, found
 * from the container's labels: `<work root>/<start time>-<run id>/<task's unique name>/attempts/<n>/{stdout,stderr}`
 * (a bare `<run id>` folder in earlier versions; a later attempt's unique name is the task's plus a suffix).
 * Capstan's containers keep no log of their own, so this is all of their output before a restart. Undefined when
 * the labels do not lead to such a folder.
 */
export async function earlierCapture(workRoot: string, labels: Readonly<Record<string, string>>): Promise<{ stdoutFile: string; stderrFile: string } | undefined> {
  const runId = labels[CapstanLabel.RunId] ?? '';
  const uniqueName = labels[CapstanLabel.UniqueName] ?? '';
  const attempt = labels[CapstanLabel.Attempt] ?? '';
  if (!SEGMENT.test(runId) || !SEGMENT.test(uniqueName) || !/^[1-9][0-9]{0,5}$/.test(attempt)) return undefined;
  const runEntry = (await readdir(workRoot, { withFileTypes: true }).catch(() => [])).find((entry) => entry.isDirectory() && runIdOfFolder(entry.name) === runId);
  if (runEntry === undefined) return undefined;
  const runFolder = join(workRoot, runEntry.name);
  const entries = await readdir(runFolder, { withFileTypes: true }).catch(() => []);
  const task = entries
    .filter((entry) => entry.isDirectory() && (uniqueName === entry.name || uniqueName.startsWith(`${entry.name}-`)))
    .sort((a, b) => b.name.length - a.name.length)[0];
  if (task === undefined) return undefined;
  const folder = join(runFolder, task.name, 'attempts', attempt);
  return { stdoutFile: join(folder, 'stdout'), stderrFile: join(folder, 'stderr') };
}
