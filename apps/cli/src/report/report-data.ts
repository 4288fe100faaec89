import { readTaskFileTail } from '@capstan/task-files';
import { join } from 'node:path';
import { readRunRecord } from '../runs/run-list';
import { type RunRecord } from '../runs/run-record';
import { parseTrace, TRACE_COLUMNS, TRACE_FILE, type TraceRow } from './trace-format';

/** A trace larger than this was not written by Capstan (500 attempts make about 150 KB). */
const TRACE_MAX_BYTES = 64 * 1024 * 1024;
/** How much of a failed attempt's stderr the report shows. */
export const STDERR_TAIL_BYTES = 4096;

export interface ReportFailure {
  readonly uniqueName: string;
  readonly attempt: string;
  readonly endReason: string;
  readonly exitCode: string;
  readonly stderrTail: string;
}

export interface ReportData {
  readonly runId: string;
  readonly record: RunRecord | undefined;
  readonly rows: readonly TraceRow[];
  readonly failures: readonly ReportFailure[];
}

/**
 * What a run folder holds for its report: run.json (when readable), the trace's rows and the stderr tail of each
 * attempt that did not exit 0. Every file is read through task-files (no link followed, no FIFO opened, bounded).
 */
export async function readReportData(runPath: string, runId: string): Promise<ReportData> {
  const { record } = await readRunRecord(runPath);
  const text = await readTaskFileTail(runPath, TRACE_FILE, TRACE_MAX_BYTES).catch((error: unknown) => {
    if ((error as { code?: unknown }).code === 'ENOENT') return '';
    throw error;
  });
  // A trace cut at the limit lost its header: then it is not read at all.
  const rows = text.startsWith(`${TRACE_COLUMNS[0]}\t`) ? parseTrace(text) : [];
  const failures: ReportFailure[] = [];
  for (const row of rows) {
    if (row.end_reason === 'exited' && row.exit_code === '0') continue;
    failures.push({ uniqueName: row.unique_name, attempt: row.attempt, endReason: row.end_reason, exitCode: row.exit_code, stderrTail: await stderrTail(runPath, row) });
  }
  return { runId, record, rows, failures };
}

async function stderrTail(runPath: string, row: TraceRow): Promise<string> {
  // The names come from a file in the run folder: only a plain folder name and attempt number are looked up.
  if (!/^[^/\\]+$/.test(row.unique_name) || row.unique_name.startsWith('.') || !/^[1-9][0-9]{0,4}$/.test(row.attempt)) return '';
  return readTaskFileTail(join(runPath, row.unique_name), `attempts/${row.attempt}/stderr`, STDERR_TAIL_BYTES).catch((error: unknown) => `(stderr unreadable: ${error instanceof Error ? error.message : String(error)})`);
}
