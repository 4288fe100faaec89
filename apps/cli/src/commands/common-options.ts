import { configFlags, type CommandSpec, type FlagValues } from '@capstan/cli-spec';
import { type LoadedConfig } from '@capstan/engine';
import { transferSectionSchema, wireBackends } from '@capstan/wiring';
import { type ENGINE_FLAGS } from './definitions';

// Light commands (runs, logs, ps) import these from report-failure itself: this module loads every backend's wiring.
export { reportFailure, usageError } from './report-failure';

/** Output sinks, handed in so tests can capture them. */
export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stdout is a terminal (live redraw) or a pipe/file (one line per change). */
  readonly isTty?: boolean;
}

type EngineCommand = CommandSpec & { readonly flags: typeof ENGINE_FLAGS };

/**
 * Config sections the CLI's commands do not read but share a file and an environment with: the TES server's `api`
 * (`CAPSTAN_API__AUTH__TOKEN` exported for `capstan serve` must not trouble `capstan run`). Its schema is imported
 * only when a `CAPSTAN_...` variable is no setting of the command's: to tell the server's from an unknown one.
 */
export const OTHER_SECTIONS = { api: async () => (await import('./api-section')).apiConfigSchema, transfer: transferSectionSchema };

/**
 * What `run` and `plan` give `wire` to fetch inputs from object stores: the `transfer` section (the same schema as the
 * server's `api.transfer`), read by the engine's remote inputs only when a task names a URL.
 */
export const TRANSFER_WIRING = {
  extraSections: { transfer: transferSectionSchema.prefault({}) },
  otherSections: { api: OTHER_SECTIONS.api },
  transferSection: 'transfer',
} as const;

/** The config file and the dotted config keys a command's engine flags set; the config loader validates the values. */
export function engineFlags<S extends EngineCommand>(spec: S, values: FlagValues<S>): { configFile?: string; flags: Record<string, unknown>; otherSections: typeof OTHER_SECTIONS } {
  const config = (values as { config?: string }).config;
  return { ...(config === undefined ? {} : { configFile: config }), flags: configFlags(spec, values), otherSections: OTHER_SECTIONS };
}

/**
 * What the configuration ignored (an unknown CAPSTAN_ variable), on stderr in every mode: stdout may be JSON, and
 * these concern the environment, not a task. `--json` output carries them too (plan: `warnings`; run: the summary's).
 */
export function printConfigWarnings(warnings: readonly string[], io: CommandIo): void {
  for (const warning of warnings) io.stderr(`capstan: warning: ${warning}\n`);
}

/** The backends and configuration for commands that run no task (doctor, cleanup), its warnings shown. */
export async function wireBackendsFor(configFile: string | undefined, io: CommandIo): ReturnType<typeof wireBackends> {
  const wired = await wireBackends({ otherSections: OTHER_SECTIONS, ...(configFile === undefined ? {} : { configFile }) });
  printConfigWarnings(wired.config.warnings, io);
  return wired;
}

export const BACKEND_FLAG_REASON = 'the --backend flag';

/**
 * With several backends (`backends:`), `--backend NAME` sends every task of the command to that one, over hints and
 * rules (the configuration has already refused a name it does not have). With one backend it stays the setting.
 */
export function forcedBackend(flag: unknown, config: LoadedConfig): string | undefined {
  return typeof flag === 'string' && config.named !== undefined ? flag : undefined;
}
