import { CapstanError, ErrorCode, suggestKey } from '@capstan/core-constraints';
import { type CommandSpec, type FlagValues, parserOptions } from './spec';

// Not `import { parseArgs } from 'node:util'`: imported as an ES module (the CLI's bundle), node:util gets an ES facade
// that reads every export, and its lazy TextDecoder and TextEncoder getters set up ICU's converters, about 10 ms of CPU
// that every command paid, --help included (start-up cost, docs/benchmarks.md). getBuiltinModule hands over the
// module Node has already loaded.
const { parseArgs } = process.getBuiltinModule('node:util');

export interface ParsedCommand<S extends CommandSpec> {
  readonly values: FlagValues<S>;
  /** Positional arguments before a `--`. */
  readonly positionals: string[];
  /** The words after `--` (a command to run), or undefined when there is no `--`. */
  readonly command: string[] | undefined;
}

/**
 * Parses a command line with node:util parseArgs; what it refuses becomes ONE usage line naming the argument and
 * the fix ("unknown option --imge; did you mean --image?"), not the parser's raw message.
 */
export function parseCommand<S extends CommandSpec>(spec: S, argv: readonly string[]): ParsedCommand<S> {
  // Not strict: the tokens are checked here instead, so that each refusal is ours to word (and no parser message is
  // read back: their wording is not an API).
  const { values, positionals, tokens } = parseArgs({ args: negativeValuesJoined(spec, argv), options: parserOptions(spec), allowPositionals: true, strict: false, tokens: true });
  let before = 0;
  for (const token of tokens) {
    if (token.kind === 'option-terminator') {
      return { values: values as FlagValues<S>, positionals: positionals.slice(0, before), command: positionals.slice(before) };
    }
    if (token.kind === 'positional') {
      if (spec.positionals === undefined) throw commandUsageError(spec, `capstan ${spec.name} takes no arguments, got ${shown(token.value)}`, { value: token.value });
      before += 1;
      continue;
    }
    const flag = Object.hasOwn(spec.flags, token.name) ? spec.flags[token.name] : undefined;
    if (flag === undefined) throw unknownOption(spec, token.rawName);
    if (flag.type === 'boolean' && token.value !== undefined) throw commandUsageError(spec, `option --${token.name} takes no value`, { flag: token.name });
    // Without strict mode the parser takes the next word as the value even when it is a flag (`--image --cpu 2`).
    const missing = token.value === undefined || (token.inlineValue === false && token.value.startsWith('-'));
    if (flag.type === 'string' && missing) {
      const placeholder = flag.value ?? 'VALUE';
      throw commandUsageError(spec, `option --${token.name} needs a value: --${token.name} ${placeholder}, or --${token.name}=${placeholder} for a value starting with "-"`, { flag: token.name });
    }
  }
  return { values: values as FlagValues<S>, positionals, command: undefined };
}

/**
 * `--retries -1` as `--retries=-1`: the parser would take "-1" for an option and report an ambiguity, where the
 * user meant a (bad) number that deserves its own message. Only before `--`: after it, words belong to the task.
 */
function negativeValuesJoined(spec: CommandSpec, argv: readonly string[]): string[] {
  const takesValue = (arg: string): boolean => arg.startsWith('--') && spec.flags[arg.slice(2)]?.type === 'string';
  const args: string[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] as string;
    const next = argv[index + 1];
    if (arg === '--') return [...args, ...argv.slice(index)];
    if (next !== undefined && takesValue(arg) && /^-[0-9.]/.test(next)) {
      args.push(`${arg}=${next}`);
      index += 1;
    } else args.push(arg);
  }
  return args;
}

/** A usage error of a command: one line, ending with where the options are listed. */
export function commandUsageError(spec: CommandSpec, message: string, details: Readonly<Record<string, unknown>> = {}): CapstanError {
  return new CapstanError(ErrorCode.Usage, `${message} (see "capstan ${spec.name} --help")`, { details });
}

function unknownOption(spec: CommandSpec, given: string): CapstanError {
  const long = Object.keys(spec.flags).map((name) => `--${name}`);
  const short = Object.values(spec.flags).flatMap((flag) => (flag.short === undefined ? [] : [`-${flag.short}`]));
  const name = given.split('=')[0] ?? given;
  const suggestion = suggestKey(name, name.startsWith('--') ? long : [...short, ...long]);
  const fix = suggestion === undefined ? '' : `; did you mean ${suggestion}?`;
  return commandUsageError(spec, `unknown option ${shown(name)}${fix}`, { value: name, ...(suggestion === undefined ? {} : { suggestion }) });
}

/** An argument as it may be shown on a terminal: control characters escaped, long ones cut. */
export function shown(text: string): string {
  // eslint-disable-next-line no-control-regex
  const safe = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return safe.length > 64 ? `${safe.slice(0, 61)}...` : safe;
}

/** The dotted config keys the given flags set; a flag not given sets nothing (undefined). */
export function configFlags<S extends CommandSpec>(spec: S, values: FlagValues<S>): Record<string, unknown> {
  const flags: Record<string, unknown> = {};
  for (const [name, flag] of Object.entries(spec.flags)) {
    if (flag.configKey === undefined) continue;
    const value = (values as Record<string, unknown>)[name];
    if (flag.type === 'boolean') flags[flag.configKey] = value === true ? true : undefined;
    else flags[flag.configKey] = value === undefined || flag.number !== true ? value : numberOf(spec, name, String(value));
  }
  return flags;
}

function numberOf(spec: CommandSpec, name: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw commandUsageError(spec, `--${name} ${shown(text)} is not a number; give one, e.g. --${name} 30`, { flag: name, value: text });
  return value;
}
