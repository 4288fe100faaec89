import { type TesTaskInView } from '@capstan/tes-model';
import { stat, writeFile } from 'node:fs/promises';

export interface StreamFiles {
  readonly stdoutFile: string;
  readonly stderrFile: string;
}

/**
 * When the server did not deliver the executor's stdout/stderr to the attempt's files (they are still empty, as the
 * engine made them: a server without this machine's filesystem), writes the text its FULL task log holds instead.
 * TES calls that text a convenience (a server may keep only a head or tail), so each use is a warning. Returns the
 * warnings.
 */
export async function fillMissingStreams(task: TesTaskInView, files: StreamFiles): Promise<string[]> {
  const taskLog = task.logs?.[task.logs.length - 1];
  const executorLog = taskLog?.logs[taskLog.logs.length - 1];
  if (executorLog === undefined) return [];
  const warnings: string[] = [];
  for (const [stream, file] of [['stdout', files.stdoutFile], ['stderr', files.stderrFile]] as const) {
    const text = executorLog[stream];
    if (text === undefined || text === '' || !(await isEmpty(file))) continue;
    await writeFile(file, text);
    warnings.push(`the TES server did not deliver ${stream} to ${file}; wrote the ${text.length} characters its task log holds instead, which a server may cut short`);
  }
  return warnings;
}

async function isEmpty(file: string): Promise<boolean> {
  try {
    return (await stat(file)).size === 0;
  } catch {
    return true;
  }
}
