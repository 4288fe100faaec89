import { ExitCode } from '@capstan/support';
import { writeReport } from '../report/report-html';
import { resolveRun } from '../runs/resolve-run';
import { type CommandIo } from './common-options';
import { REPORT_COMMAND } from './definitions';
import { parseOrHelp } from './parse-or-help';
import { reportFailure, usageError } from './report-failure';
import { workRootOf } from './work-root';

/** `capstan report <run>`: rebuilds the run folder's report.html and prints its path. */
export async function reportCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  try {
    const parsed = parseOrHelp(REPORT_COMMAND, argv, io);
    if (parsed === undefined) return ExitCode.Ok;
    const run = await resolveRun(await workRootOf(parsed.values, io), oneRun(parsed.positionals));
    io.stdout(`${await writeReport(run.path, run.runId)}\n`);
    return ExitCode.Ok;
  } catch (error) {
    return reportFailure(error, io);
  }
}

function oneRun(positionals: readonly string[]): string {
  if (positionals.length !== 1) throw usageError(REPORT_COMMAND, 'give one run, e.g. capstan report latest');
  return positionals[0] as string;
}
