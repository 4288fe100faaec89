import { LATEST_RUN_LINK, RUN_OUTPUTS_FOLDER, RUN_RECORD_FILE, RUN_RECORD_TEMPORARY, RUN_REPORT_FILE, RUN_REPORT_TEMPORARY, RUN_TRACE_FILE, runIdOfFolder } from '@capstan/core-constraints';
import { lstat, readdir, readlink, rename, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** A task folder's name inside it: a unique name from NameGenerator (`<prefix>-<12 of [0-9a-z]>`). */
const TASK_FOLDER = /^[a-z0-9]+(?:-[a-z0-9]+)*-[a-z0-9]{12}$/;

export interface OldRunsOptions {
  /** Run folders whose newest change (the folder or one of its task folders) is older than this are removed. */
  readonly olderThanMs: number;
  readonly now?: Date;
  /** Decide and report, delete nothing. */
  readonly dryRun?: boolean;
}

export interface OldRunsReport {
  /** Removed (or, in a dry run, that would be), as paths. */
  readonly removed: readonly string[];
  /** Entries of the work root left alone on purpose, with why. */
  readonly skipped: ReadonlyArray<{ readonly path: string; readonly reason: string }>;
  /** Run folders younger than the limit. */
  readonly kept: number;
}

/**
 * Removes old run folders under `workRoot`, confined: only real folders named like runs (`<start time>-<run id>`, or
 * a bare run id as earlier versions named them) whose every entry is a real folder named like a task's unique name
 * holding `attempts/`, or the real folder `outputs/` its published outputs are in (what Capstan makes), never a
 * link, never anything else. A folder is renamed aside before it is deleted, so that what is deleted is the folder that was checked.
 */
export async function removeOldRuns(workRoot: string, options: OldRunsOptions): Promise<OldRunsReport> {
  const now = (options.now ?? new Date()).getTime();
  const removed: string[] = [];
  const skipped: Array<{ path: string; reason: string }> = [];
  let kept = 0;
  const entries = await readdir(workRoot, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  for (const entry of entries) {
    const path = join(workRoot, entry.name);
    const look = await runFolderAge(path, entry.name);
    if (typeof look === 'string') {
      skipped.push({ path, reason: look });
      continue;
    }
    if (now - look.newestMs < options.olderThanMs) {
      kept += 1;
      continue;
    }
    if (options.dryRun !== true) {
      const aside = join(workRoot, `.capstan-deleting-${entry.name}`);
      await rename(path, aside);
      await rm(aside, { recursive: true, force: true, maxRetries: 2 });
    }
    removed.push(path);
  }
  if (options.dryRun !== true) await dropDanglingLatest(workRoot, removed);
  return { removed, skipped, kept };
}

/** The newest change in a run folder, or why it does not look like one of Capstan's. */
async function runFolderAge(path: string, name: string): Promise<{ newestMs: number } | string> {
  if (name === LATEST_RUN_LINK) return 'the link to the latest run: left alone';
  if (runIdOfFolder(name) === undefined) return 'not named like a Capstan run folder (<start time>-<run id>, or a bare run id of 12 of [0-9a-z])';
  const info = await lstat(path);
  if (info.isSymbolicLink()) return 'a symbolic link: never followed';
  if (!info.isDirectory()) return 'not a folder';
  let newestMs = info.mtimeMs;
  for (const task of await readdir(path, { withFileTypes: true })) {
    const taskPath = join(path, task.name);
    if (task.name === RUN_OUTPUTS_FOLDER && task.isDirectory()) {
      newestMs = Math.max(newestMs, (await lstat(taskPath)).mtimeMs);
      continue;
    }
    // The run's record, trace and report (and a temporary one a killed write left): regular files, never a link or folder by that name.
    if (isRunFile(task.name) && task.isFile()) {
      newestMs = Math.max(newestMs, (await lstat(taskPath)).mtimeMs);
      continue;
    }
    if (!task.isDirectory() || !TASK_FOLDER.test(task.name)) return `holds ${JSON.stringify(task.name)}, which Capstan does not make in a run folder`;
    const attempts = await lstat(join(taskPath, 'attempts')).catch(() => undefined);
    if (attempts !== undefined && !attempts.isDirectory()) return `${task.name}/attempts is not a folder`;
    newestMs = Math.max(newestMs, (await lstat(taskPath)).mtimeMs, attempts?.mtimeMs ?? 0);
  }
  return { newestMs };
}

function isRunFile(name: string): boolean {
  return name === RUN_RECORD_FILE || name === RUN_TRACE_FILE || name === RUN_REPORT_FILE || RUN_RECORD_TEMPORARY.test(name) || RUN_REPORT_TEMPORARY.test(name);
}

/** `latest` pointing at a run folder just removed would lead nowhere: the link (never its target) goes too. */
async function dropDanglingLatest(workRoot: string, removed: readonly string[]): Promise<void> {
  const latest = join(workRoot, LATEST_RUN_LINK);
  const target = await readlink(latest).catch(() => undefined);
  if (target !== undefined && removed.includes(join(workRoot, target))) await unlink(latest).catch(() => undefined);
}
