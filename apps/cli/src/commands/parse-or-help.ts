import { type CommandSpec, helpText, type ParsedCommand, parseCommand } from '@capstan/cli-spec';
import { type CommandIo } from './common-options';

/** The command line parsed, or undefined once `--help` has printed the command's help. */
export function parseOrHelp<S extends CommandSpec>(spec: S, argv: readonly string[], io: CommandIo): ParsedCommand<S> | undefined {
  const parsed = parseCommand(spec, argv);
  if ((parsed.values as { help?: boolean }).help !== true) return parsed;
  io.stdout(`${helpText(spec)}\n`);
  return undefined;
}
