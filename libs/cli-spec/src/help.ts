import { type CommandSpec, type FlagSpec } from './spec';

const WIDTH = 118;
const FLAG_COLUMN = 34;

/** `--backend NAME`, `-h, --help`: how a flag is written on a command line. */
export function flagSignature(name: string, flag: FlagSpec): string {
  const value = flag.type === 'string' ? ` ${flag.value ?? 'VALUE'}` : '';
  return `${flag.short === undefined ? '' : `-${flag.short}, `}--${name}${value}`;
}

/** A flag's help with its default and repeatability, one sentence for help and docs alike. */
export function flagHelp(flag: FlagSpec): string {
  const notes = [flag.multiple === true ? 'repeatable' : undefined, defaultOf(flag) === undefined ? undefined : `default: ${defaultOf(flag)}`].filter((note) => note !== undefined);
  return notes.length === 0 ? flag.help : `${flag.help} (${notes.join('; ')})`;
}

export function defaultOf(flag: FlagSpec): string | undefined {
  return flag.default ?? flag.shownDefault;
}

/** Flags by help section, in the order the definition names them. */
export function flagGroups(spec: CommandSpec): Array<{ title: string; flags: Array<[string, FlagSpec]> }> {
  const groups = new Map<string, Array<[string, FlagSpec]>>();
  for (const entry of Object.entries(spec.flags)) {
    const title = entry[1].group ?? 'Options';
    groups.set(title, [...(groups.get(title) ?? []), entry]);
  }
  return [...groups].map(([title, flags]) => ({ title, flags }));
}

/** `capstan NAME --help`. */
export function helpText(spec: CommandSpec): string {
  const usage = spec.usage.map((line, index) => `${index === 0 ? 'Usage: ' : '       '}capstan ${line}`);
  const sections = flagGroups(spec).map(({ title, flags }) => [`${title}:`, ...flags.map(([name, flag]) => column(`  ${flagSignature(name, flag)}`, flagHelp(flag)))].join('\n'));
  return [usage.join('\n'), spec.description, ...sections].join('\n\n');
}

/** The top-level help: the commands and their summaries. */
export function commandListText(specs: readonly CommandSpec[]): string {
  const rows: Array<[string, string]> = specs.map((spec) => [spec.name, spec.summary]);
  const options: Array<[string, string]> = [
    ['-V, --version', 'print the version'],
    ['-h, --help', 'show this help'],
  ];
  const width = Math.max(...[...rows, ...options].map(([left]) => left.length)) + 3;
  const list = (entries: Array<[string, string]>): string => entries.map(([left, text]) => `  ${left.padEnd(width)}${text}`).join('\n');
  return `Usage: capstan <command> [options]\n\nCommands:\n${list(rows)}\n\nOptions:\n${list(options)}\n\nRun "capstan help <command>" (or "capstan <command> --help") for a command's options.`;
}

function column(left: string, text: string): string {
  const indent = ' '.repeat(FLAG_COLUMN);
  const lines: string[] = [];
  let line = indent;
  if (left.length < FLAG_COLUMN - 1) line = left.padEnd(FLAG_COLUMN);
  else lines.push(left);
  let empty = true;
  for (const word of text.split(/\s+/).filter((part) => part !== '')) {
    if (!empty && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = indent;
      empty = true;
    }
    line = empty ? `${line}${word}` : `${line} ${word}`;
    empty = false;
  }
  lines.push(line);
  return lines.join('\n');
}
