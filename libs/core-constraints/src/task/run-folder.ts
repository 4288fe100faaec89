/** A run id as the engine draws it (naming's RUN_ID_LENGTH of [0-9a-z]). */
const RUN_ID = /^[0-9a-z]{12}$/;
/** `20261206T203000Z-<run id>`; bare `<run id>` is the naming of earlier versions, still recognised. */
const RUN_FOLDER = /^(?:([0-9]{8}T[0-9]{6}Z)-)?([0-9a-z]{12})$/;

/**
 * The name of a run's folder in the work root: its start time (UTC, to the second) then its id, so that a listing
 * sorts by time and says what each folder is.
 */
export function runFolderName(runId: string, startedAt: Date): string {
  if (!RUN_ID.test(runId)) throw new RangeError(`"${runId}" is not a run id`);
  const stamp = startedAt.toISOString().replace(/\.[0-9]+Z$/, 'Z').replace(/[-:]/g, '');
  return `${stamp}-${runId}`;
}

/** The run id a folder name stands for, in the current or the earlier naming; undefined for anything else. */
export function runIdOfFolder(name: string): string | undefined {
  return RUN_FOLDER.exec(name)?.[2];
}

/** The work root's link to the newest run folder (`capstan-runs/latest`). */
export const LATEST_RUN_LINK = 'latest';

/** Inside a run folder: where its tasks' declared outputs are published (beside the task folders). */
export const RUN_OUTPUTS_FOLDER = 'outputs';
/** The manifest of published outputs, in the folder they are published to. */
export const OUTPUTS_MANIFEST = 'outputs.json';
/** Inside a run folder: `capstan run`'s record of the run (its tasks' states), read by `capstan runs`, `logs` and `ps`. */
export const RUN_RECORD_FILE = 'run.json';
/** What a write of the record killed between its temporary file and the rename leaves: `.run.json.<12 hex>.tmp`. */
export const RUN_RECORD_TEMPORARY = /^\.run\.json\.[0-9a-f]{12}\.tmp$/;
/** Inside a run folder: `capstan run`'s trace, a row per ended attempt (docs/run-trace.md). */
export const RUN_TRACE_FILE = 'trace.tsv';
/** Inside a run folder: the run's report page, written at its end and by `capstan report`. */
export const RUN_REPORT_FILE = 'report.html';
/** What a write of the report killed between its temporary file and the rename leaves: `.report.html.<12 hex>.tmp`. */
export const RUN_REPORT_TEMPORARY = /^\.report\.html\.[0-9a-f]{12}\.tmp$/;
