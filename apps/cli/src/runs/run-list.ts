import { type ProcessTable, procProcessTable } from '@capstan/cleanup';
import { RUN_OUTPUTS_FOLDER, RUN_RECORD_FILE, runIdOfFolder } from '@capstan/core-constraints';
import { readdir, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isAlive } from './process-registry';
import { readConfinedJson } from './read-json';
import { isEnded, RUN_RECORD_MAX_BYTES, type RunRecord, runRecordSchema } from './run-record';

/**
 * How a run stands. `interrupted`: it never recorded its end and its process is gone (killed with -9, a crash, a
 * reboot); `unknown`: no record to tell (a run of an earlier Capstan, a record that cannot be read, another host's).
 */
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'interrupted' | 'unknown';

export interface TaskCounts {
  succeeded: number;
  failed: number;
  running: number;
  unknown: number;
}

export interface RunSummary {
  readonly runId: string;
  readonly folder: string;
  readonly path: string;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  readonly status: RunStatus;
  readonly tasks: number;
  readonly states: TaskCounts;
  /** To the end, or to now while it runs; null when the end is not known. */
  readonly durationMs: number | null;
  /** Why the status is `unknown`, or what was odd. */
  readonly note?: string;
}

/** A run folder name's start time (`20261206T203000Z-...`), as ISO 8601. */
function stampTime(folder: string): string | null {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-/.exec(folder);
  return match ? `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}.000Z` : null;
}

/** The run folders in the work root (real folders only: a link is never taken for one), with their ids. */
export async function runFolders(workRoot: string): Promise<{ runId: string; folder: string }[]> {
  const entries = await readdir(workRoot, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  return entries.flatMap((entry) => {
    const runId = entry.isDirectory() ? runIdOfFolder(entry.name) : undefined;
    return runId === undefined ? [] : [{ runId, folder: entry.name }];
  });
}

/** Every run in the work root, newest first. */
export async function listRuns(workRoot: string, processes: ProcessTable = procProcessTable): Promise<RunSummary[]> {
  const summaries = await Promise.all((await runFolders(workRoot)).map(({ runId, folder }) => summariseRun(join(workRoot, folder), runId, folder, processes)));
  const key = (summary: RunSummary): string => summary.startedAt ?? '';
  return summaries.sort((a, b) => key(b).localeCompare(key(a)) || b.folder.localeCompare(a.folder));
}

/** A run folder's record; `missing` when it has none (a run of an earlier Capstan, or one no task started in yet). */
export async function readRunRecord(path: string): Promise<{ record?: RunRecord; problem?: string; missing?: true }> {
  const read = await readConfinedJson(path, RUN_RECORD_FILE, runRecordSchema(), RUN_RECORD_MAX_BYTES);
  if (read === undefined) return { problem: `no ${RUN_RECORD_FILE} (a run of an earlier Capstan, or not a capstan run)`, missing: true };
  return 'value' in read ? { record: read.value } : { problem: read.problem };
}

/** Whether the process that wrote the record still runs it, on this host. */
export async function runIsLive(record: RunRecord, processes: ProcessTable = procProcessTable): Promise<boolean | undefined> {
  if (record.endedAt !== null) return false;
  if (record.host !== hostname()) return undefined;
  return isAlive(record.pid, record.processStartedAt, processes);
}

async function summariseRun(path: string, runId: string, folder: string, processes: ProcessTable): Promise<RunSummary> {
  const { record, problem } = await readRunRecord(path);
  if (record === undefined || record.runId !== runId) {
    const tasks = (await readdir(path, { withFileTypes: true }).catch(() => [])).filter((entry) => entry.isDirectory() && entry.name !== RUN_OUTPUTS_FOLDER).length;
    const startedAt = stampTime(folder) ?? (await stat(path)).mtime.toISOString();
    const note = problem ?? `${RUN_RECORD_FILE} names run ${record?.runId}, not ${runId}`;
    return { runId, folder, path, startedAt, endedAt: null, status: 'unknown', tasks, states: { succeeded: 0, failed: 0, running: 0, unknown: tasks }, durationMs: null, note };
  }
  const live = await runIsLive(record, processes);
  const states = countStates(record, live === true);
  const status: RunStatus = record.endedAt !== null ? (states.succeeded === record.taskCount ? 'succeeded' : 'failed') : live === undefined ? 'unknown' : live ? 'running' : 'interrupted';
  const end = record.endedAt ?? (live === true ? new Date().toISOString() : null);
  return {
    runId,
    folder,
    path,
    startedAt: record.startedAt,
    endedAt: record.endedAt,
    status,
    tasks: Math.max(record.taskCount, record.tasks.length),
    states,
    durationMs: end === null ? null : Math.max(0, Date.parse(end) - Date.parse(record.startedAt)),
    ...(live === undefined ? { note: `started on host ${record.host}; its process cannot be checked from here` } : {}),
  };
}

/** Ended tasks by outcome; the others (and tasks not resolved yet) run while the run's process lives, else unknown. */
function countStates(record: RunRecord, live: boolean): TaskCounts {
  const counts: TaskCounts = { succeeded: 0, failed: 0, running: 0, unknown: 0 };
  for (const task of record.tasks) {
    if (task.state === 'succeeded') counts.succeeded += 1;
    else if (isEnded(task.state)) counts.failed += 1;
    else if (live) counts.running += 1;
    else counts.unknown += 1;
  }
  const unseen = Math.max(0, record.taskCount - record.tasks.length);
  if (live) counts.running += unseen;
  else counts.unknown += unseen;
  return counts;
}
