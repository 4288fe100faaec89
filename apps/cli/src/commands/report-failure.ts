import { commandUsageError, type CommandSpec } from '@capstan/cli-spec';
import { type CapstanError } from '@capstan/core-constraints';
import { exitCodeFor } from '@capstan/support';
import { errorReport, formatErrorForHumans } from '../output/report-error';
import { type CommandIo } from './common-options';

/** A usage error: one line naming the fix and where the options are listed, never the whole usage. */
export function usageError(spec: CommandSpec, message: string, details: Readonly<Record<string, unknown>> = {}): CapstanError {
  return commandUsageError(spec, message, details);
}

/**
 * Reports a command's failure the one way every command does: a JSON error object on stdout with `--json`, a line
 * on stderr otherwise; returns the exit code. `file` is the task file being read, named in task errors.
 */
export function reportFailure(error: unknown, io: CommandIo, options: { json?: boolean; file?: string | undefined } = {}): number {
  if (options.json) io.stdout(`${JSON.stringify(errorReport(error))}\n`);
  else io.stderr(`${formatErrorForHumans(error, options.file)}\n`);
  return exitCodeFor(error);
}

