import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { type ParseArgsConfig } from 'node:util';
import { apiConfigSchema, wireBackends } from '@capstan/wiring';
import { exitCodeFor } from '../output/exit-codes';
import { errorReport, formatErrorForHumans } from '../output/report-error';

/** Output sinks, handed in so tests can capture them. */
export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stdout is a terminal (live redraw) or a pipe/file (one line per change). */
  readonly isTty?: boolean;
}

/** Flags every command that wires an engine accepts, and the config keys they set. */
export const ENGINE_FLAGS = {
  backend: { type: 'string' },
  config: { type: 'string' },
  'work-root': { type: 'string' },
  'default-container': { type: 'string' },
  'cpu-limit-behavior': { type: 'string' },
  'memory-limit-behavior': { type: 'string' },
  'gpu-limit-behavior': { type: 'string' },
  retention: { type: 'string' },
  'pull-policy': { type: 'string' },
  shell: { type: 'string' },
  timeout: { type: 'string' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export const ENGINE_FLAGS_HELP = `Engine options (each also settable in capstan.yaml or as CAPSTAN_... variables):
  --backend NAME                  docker | podman | apptainer | local | slurm | tes | auto (default: auto: docker,
                                  podman, apptainer, the first that answers, else local)
  --config FILE                   configuration file (default: ./capstan.yaml, then ~/.config/capstan/config.yaml)
  --work-root DIR                 where run folders go (default: ./capstan-runs)
  --default-container URI         what "*" (any container) means
  --cpu-limit-behavior B          deny | try_with_max (default: deny)
  --memory-limit-behavior B       deny | try_with_max (default: deny)
  --gpu-limit-behavior B          deny | try_with_max (default: deny)
  --retention P                   keep | delete-on-success | delete-always (default: keep)
  --pull-policy P                 if-not-present | always | never (docker; default: if-not-present)
  --shell PROGRAM                 shell that runs the command (default: bash; a task's "shell" hint wins)
  --timeout SECONDS               end every attempt after this long (a task's "timeout" hint wins)`;

type EngineFlagValues = { readonly [K in keyof typeof ENGINE_FLAGS]?: string | undefined };

/**
 * Config sections the CLI's commands do not read but share a file and an environment with: the TES server's `api`
 * (`CAPSTAN_API__AUTH__TOKEN` exported for `capstan serve` must not trouble `capstan run`).
 */
export const OTHER_SECTIONS = { api: apiConfigSchema };

/** Maps parsed flags onto dotted config keys; the config loader validates the values. */
export function engineFlags(values: EngineFlagValues): { configFile?: string; flags: Record<string, unknown>; otherSections: typeof OTHER_SECTIONS } {
  const flags: Record<string, unknown> = {
    backend: values.backend,
    workRoot: values['work-root'],
    defaultContainer: values['default-container'],
    'limits.cpu': values['cpu-limit-behavior'],
    'limits.memory': values['memory-limit-behavior'],
    'limits.gpu': values['gpu-limit-behavior'],
    retention: values.retention,
    'docker.pullPolicy': values['pull-policy'],
    shell: values.shell,
    timeoutSeconds: values.timeout === undefined ? undefined : Number(values.timeout),
  };
  return { ...(values.config === undefined ? {} : { configFile: values.config }), flags, otherSections: OTHER_SECTIONS };
}

/**
 * What the configuration ignored (an unknown CAPSTAN_ variable), on stderr in every mode: stdout may be JSON, and
 * these concern the environment, not a task. `--json` output carries them too (plan: `warnings`; run: the summary's).
 */
export function printConfigWarnings(warnings: readonly string[], io: CommandIo): void {
  for (const warning of warnings) io.stderr(`capstan: warning: ${warning}\n`);
}

export function usageError(message: string, usage: string): CapstanError {
  return new CapstanError(ErrorCode.Usage, `${message}\n\n${usage}`);
}

export function isParseArgsError(error: unknown): error is Error {
  return error instanceof TypeError && String((error as NodeJS.ErrnoException).code ?? '').startsWith('ERR_PARSE_ARGS');
}

/**
 * Reports a command's failure the one way every command does: a JSON error object on stdout with `--json`, a line
 * on stderr otherwise; returns the exit code. `file` is the task file being read, named in task errors.
 */
export function reportFailure(error: unknown, io: CommandIo, usage: string, options: { json?: boolean; file?: string | undefined } = {}): number {
  const failure = isParseArgsError(error) ? usageError(error.message, usage) : error;
  if (options.json) io.stdout(`${JSON.stringify(errorReport(failure))}\n`);
  else io.stderr(`${formatErrorForHumans(failure, options.file)}\n`);
  return exitCodeFor(failure);
}

/** The backends and configuration for commands that run no task (doctor, cleanup), its warnings shown. */
export async function wireBackendsFor(configFile: string | undefined, io: CommandIo): ReturnType<typeof wireBackends> {
  const wired = await wireBackends({ otherSections: OTHER_SECTIONS, ...(configFile === undefined ? {} : { configFile }) });
  printConfigWarnings(wired.config.warnings, io);
  return wired;
}
