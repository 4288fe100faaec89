import { type ParseArgsConfig } from 'node:util';

/** One flag of a command: what the parser, `--help`, the shell completions and docs/cli.md are all made from. */
export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** Repeatable: the values come as a list. */
  readonly multiple?: boolean;
  /** The value's placeholder in help (`FILE`, `NAME`); completions offer files for FILE, folders for DIR. */
  readonly value?: string;
  readonly help: string;
  /** A default the parser applies (only for flags no config key backs: the config would be overridden). */
  readonly default?: string;
  /** A default shown in help and docs that the configuration supplies. */
  readonly shownDefault?: string;
  /** The dotted configuration key the flag sets (`limits.cpu`); the config loader validates the value. */
  readonly configKey?: string;
  /** The configuration wants a number: the flag's text is converted (a bad one fails validation, naming the key). */
  readonly number?: boolean;
  /** The values completions offer. */
  readonly choices?: readonly string[];
  /** The help section the flag is listed in (default "Options"). */
  readonly group?: string;
}

export interface CommandSpec {
  readonly name: string;
  /** One line, for the command list. */
  readonly summary: string;
  /** Synopsis lines, each after `capstan `. */
  readonly usage: readonly string[];
  /** Paragraphs, already wrapped, shown under the synopsis. */
  readonly description: string;
  /** What positional arguments are (completions offer files for `file`); absent: the command takes none. */
  readonly positionals?: 'file' | 'word';
  readonly flags: Readonly<Record<string, FlagSpec>>;
}

export type FlagValue<F extends FlagSpec> = F['type'] extends 'boolean' ? boolean : F extends { readonly multiple: true } ? string[] : string;

/** The parsed values of a command's flags, typed from its definition. */
export type FlagValues<S extends CommandSpec> = { -readonly [K in keyof S['flags']]?: FlagValue<S['flags'][K]> };

export const HELP_FLAG = { type: 'boolean', short: 'h', help: 'show this help' } as const satisfies FlagSpec;

type ParserOptions = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs options of a command. */
export function parserOptions(spec: CommandSpec): ParserOptions {
  const options: ParserOptions = {};
  for (const [name, flag] of Object.entries(spec.flags)) {
    options[name] = {
      type: flag.type,
      ...(flag.short === undefined ? {} : { short: flag.short }),
      ...(flag.multiple === true ? { multiple: true } : {}),
      ...(flag.default === undefined ? {} : { default: flag.default }),
    };
  }
  return options;
}
