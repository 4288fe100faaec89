import { CapstanError, editDistance, ErrorCode, LATEST_RUN_LINK, runIdOfFolder } from '@capstan/core-constraints';
import { lstat, readlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { runFolders } from './run-list';

const SHOWN = 5;

/**
 * The run folder `ref` names in the work root: `latest`, a folder name, a run id, or a unique prefix of either.
 * Unknown: RunNotFound listing the nearest ids; a prefix of several: a usage error listing them.
 */
export async function resolveRun(workRoot: string, ref: string): Promise<{ runId: string; folder: string; path: string }> {
  const runs = await runFolders(workRoot);
  const found = ref === LATEST_RUN_LINK ? await latest(workRoot, runs) : pick(ref, runs, workRoot);
  return { ...found, path: join(workRoot, found.folder) };
}

async function latest(workRoot: string, runs: readonly { runId: string; folder: string }[]): Promise<{ runId: string; folder: string }> {
  const link = join(workRoot, LATEST_RUN_LINK);
  const stats = await lstat(link).catch(() => undefined);
  // Only a link naming a run folder beside it: `latest` is never followed out of the work root.
  const target = stats?.isSymbolicLink() === true ? basename(await readlink(link)) : undefined;
  const run = runs.find((one) => one.folder === target);
  if (run !== undefined) return run;
  throw notFound(LATEST_RUN_LINK, workRoot, runs, `${link} is missing or does not name a run folder`);
}

function pick(ref: string, runs: readonly { runId: string; folder: string }[], workRoot: string): { runId: string; folder: string } {
  const exact = runs.find((run) => run.folder === ref || run.runId === ref);
  if (exact !== undefined) return exact;
  const matches = ref === '' ? [] : runs.filter((run) => run.folder.startsWith(ref) || run.runId.startsWith(ref));
  if (matches.length === 1) return matches[0] as { runId: string; folder: string };
  if (matches.length > 1) {
    const names = matches.map((run) => run.folder).sort().reverse();
    throw new CapstanError(ErrorCode.Usage, `run "${ref}" is ambiguous: ${matches.length} runs start with it (${names.slice(0, SHOWN).join(', ')}${names.length > SHOWN ? ', ...' : ''}); give more of the run id`, {
      details: { value: ref, candidates: names },
    });
  }
  throw notFound(ref, workRoot, runs);
}

function notFound(ref: string, workRoot: string, runs: readonly { runId: string; folder: string }[], why?: string): CapstanError {
  const id = runIdOfFolder(ref) ?? ref;
  const nearest = [...runs]
    .map((run) => ({ run, distance: editDistance(id.slice(0, 64), run.runId) }))
    .sort((a, b) => a.distance - b.distance || b.run.folder.localeCompare(a.run.folder))
    .slice(0, SHOWN)
    .map(({ run }) => run.runId);
  const known = runs.length === 0 ? 'there are no runs in this work root' : `nearest run ids: ${nearest.join(', ')}`;
  return new CapstanError(ErrorCode.RunNotFound, `${why ?? `no run "${ref.slice(0, 200)}" in ${workRoot}`}; ${known} ("capstan runs" lists them; give --work-root if they are elsewhere)`, {
    details: { value: ref, nearest },
  });
}
