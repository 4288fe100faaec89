import { formatRfc3339, type TesExecutor, type TesExecutorLog } from '@capstan/tes-model';
import { basename, dirname, join } from 'node:path';
import { readTail } from './read-tail';
import { type TesTaskLayout } from './task-layout';

/** The files a backend captured an attempt's streams in. */
export interface CapturedStreams {
  readonly stdoutFile: string;
  readonly stderrFile: string;
}

/** The streams captured in an attempt's folder. */
export function capturedIn(folder: string): CapturedStreams {
  return { stdoutFile: join(folder, 'stdout'), stderrFile: join(folder, 'stderr') };
}

/**
 * One executor's log: its times, exit code, and the tails of its streams, read from the file it redirected each to
 * (in the task's folder), else from what the backend captured. `warn` hears each refusal to read a file (a link out).
 */
export async function readExecutorLog(
  executor: TesExecutor | undefined,
  layout: TesTaskLayout,
  captured: CapturedStreams,
  run: { readonly startedAt: Date; readonly endedAt: Date; readonly exitCode: number | null },
  tailBytes: number,
  warn: (message: string) => void,
): Promise<TesExecutorLog> {
  const tail = (stream: 'stdout' | 'stderr'): Promise<string> => {
    const redirected = executor?.[stream];
    const file = captured[`${stream}File`];
    const warnOf = (message: string): void => warn(`executor ${stream}: ${message}`);
    if (redirected !== undefined) return readTail(layout.root, redirected, tailBytes, warnOf);
    return readTail(dirname(file), basename(file), tailBytes, warnOf);
  };
  const [stdout, stderr] = await Promise.all([tail('stdout'), tail('stderr')]);
  return { start_time: formatRfc3339(run.startedAt), end_time: formatRfc3339(run.endedAt), stdout, stderr, exit_code: run.exitCode ?? -1 };
}
