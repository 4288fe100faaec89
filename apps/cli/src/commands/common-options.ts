import { commandUsageError, configFlags, type CommandSpec, type FlagValues } from '@capstan/cli-spec';
import { type CapstanError } from '@capstan/core-constraints';
import { exitCodeFor } from '../output/exit-codes';
import { errorReport, formatErrorForHumans } from '../output/report-error';
import { type ENGINE_FLAGS } from './definitions';

/** Output sinks, handed in so tests can capture them. */
export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stdout is a terminal (live redraw) or a pipe/file (one line per change). */
  readonly isTty?: boolean;
}

type EngineCommand = CommandSpec & { readonly flags: typeof ENGINE_FLAGS };

/** The config file and the dotted config keys a command's engine flags set; the config loader validates the values. */
export function engineFlags<S extends EngineCommand>(spec: S, values: FlagValues<S>): { configFile?: string; flags: Record<string, unknown> } {
  const config = (values as { config?: string }).config;
  return { ...(config === undefined ? {} : { configFile: config }), flags: configFlags(spec, values) };
}

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
