import { defaultOf, flagGroups, flagSignature } from './help';
import { type CommandSpec } from './spec';

/** docs/cli.md: every command and flag, from the same definitions the parser uses. */
export function cliMarkdown(specs: readonly CommandSpec[], source: string): string {
  const parts = [
    '# The capstan command line',
    `<!-- Generated from ${source} by \`npx nx run cli:docs\`; a test fails when this file differs. Do not edit by hand. -->`,
    'Every command also takes `-h`/`--help`; `capstan --version` (`-V`) prints the version, `capstan help <command>` a command\'s help, and `capstan completion bash|zsh|fish` a shell completion script.',
    specs.map((spec) => `- [\`capstan ${spec.name}\`](#capstan-${spec.name}): ${spec.summary}`).join('\n'),
    ...specs.map(commandSection),
  ];
  return `${parts.join('\n\n')}\n`;
}

function commandSection(spec: CommandSpec): string {
  const tables = flagGroups(spec).map(({ title, flags }) => {
    const rows = flags.map(([name, flag]) => `| \`${flagSignature(name, flag)}\` | ${cell(flag.help)}${flag.multiple === true ? ' (repeatable)' : ''} | ${cell(defaultOf(flag) ?? '')} | ${flag.configKey === undefined ? '' : `\`${flag.configKey}\``} |`);
    return [`### ${title}`, '', '| flag | what it does | default | config key |', '| --- | --- | --- | --- |', ...rows].join('\n');
  });
  return [`## capstan ${spec.name}`, spec.summary, ['```text', ...spec.usage.map((line) => `capstan ${line}`), '```'].join('\n'), spec.description, ...tables].join('\n\n');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, ' ');
}
