import { CapstanError, ErrorCode, RUN_OUTPUTS_FOLDER } from '@capstan/core-constraints';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type RunRecord } from './run-record';

const SHOWN = 10;

/**
 * The task folder `ref` names in a run: a task's unique (folder) name, its name as written when one task has it, or
 * a unique prefix of a folder name; any task when the run has one. Only real folders of the run count, so a name a
 * record holds can never lead out of it.
 */
export async function findTask(runPath: string, record: RunRecord | undefined, ref: string | undefined): Promise<{ uniqueName: string; folder: string }> {
  const folders = (await readdir(runPath, { withFileTypes: true })).filter((entry) => entry.isDirectory() && entry.name !== RUN_OUTPUTS_FOLDER).map((entry) => entry.name).sort();
  const pick = (uniqueName: string): { uniqueName: string; folder: string } => ({ uniqueName, folder: join(runPath, uniqueName) });
  if (ref === undefined) {
    if (folders.length === 1) return pick(folders[0] as string);
    throw new CapstanError(ErrorCode.Usage, `the run has ${folders.length} task folders; name one as <run>/<task> (${listed(folders)})`, { details: { candidates: folders } });
  }
  if (folders.includes(ref)) return pick(ref);
  const byName = (record?.tasks ?? []).filter((task) => task.name === ref && folders.includes(task.uniqueName));
  if (byName.length === 1) return pick((byName[0] as { uniqueName: string }).uniqueName);
  const byPrefix = byName.length > 1 ? byName.map((task) => task.uniqueName) : folders.filter((name) => name.startsWith(ref));
  if (byPrefix.length === 1) return pick(byPrefix[0] as string);
  if (byPrefix.length > 1) {
    throw new CapstanError(ErrorCode.Usage, `task "${ref}" is ambiguous in ${runPath}: ${listed(byPrefix)}; give the whole folder name`, { details: { value: ref, candidates: byPrefix } });
  }
  throw new CapstanError(ErrorCode.RunNotFound, `no task "${ref.slice(0, 200)}" in ${runPath}; its tasks: ${folders.length === 0 ? 'none started yet' : listed(folders)}`, {
    details: { value: ref, candidates: folders },
  });
}

function listed(names: readonly string[]): string {
  return `${names.slice(0, SHOWN).join(', ')}${names.length > SHOWN ? `, and ${names.length - SHOWN} more` : ''}`;
}
