import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { type CommandSpec, type FlagSpec } from './spec';

export const COMPLETION_SHELLS = ['bash', 'zsh', 'fish'] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

/** Words a flag's value completes to: its choices, files, folders, or nothing to offer (a free value). */
function valueKind(flag: FlagSpec): 'choices' | 'file' | 'directory' | 'free' {
  if (flag.choices !== undefined) return 'choices';
  if (flag.value === 'FILE') return 'file';
  if (flag.value === 'DIR') return 'directory';
  return 'free';
}

/** The extra words at the top level: the built-in commands that are not in the definitions. */
const BUILTINS = [
  { name: 'help', summary: "show a command's help" },
  { name: 'completion', summary: 'print a shell completion script (bash, zsh or fish)' },
];

export function completionScript(shell: string, specs: readonly CommandSpec[]): string {
  if (shell === 'bash') return bashScript(specs);
  if (shell === 'zsh') return zshScript(specs);
  if (shell === 'fish') return fishScript(specs);
  throw new CapstanError(ErrorCode.Usage, `no completion for the shell "${shell.slice(0, 32)}"; give one of ${COMPLETION_SHELLS.join(', ')} (e.g. capstan completion bash)`, {
    details: { value: shell },
  });
}

function longFlags(spec: CommandSpec): string[] {
  return Object.entries(spec.flags).flatMap(([name, flag]) => [`--${name}`, ...(flag.short === undefined ? [] : [`-${flag.short}`])]);
}

function bashScript(specs: readonly CommandSpec[]): string {
  const commands = [...specs.map((spec) => spec.name), ...BUILTINS.map((builtin) => builtin.name)].join(' ');
  const cases = specs.map((spec) => {
    const values = Object.entries(spec.flags)
      .filter(([, flag]) => flag.type === 'string')
      .map(([name, flag]) => {
        const kind = valueKind(flag);
        const reply = kind === 'choices' ? `COMPREPLY=( $(compgen -W "${(flag.choices ?? []).join(' ')}" -- "$cur") )` : kind === 'file' ? 'COMPREPLY=( $(compgen -f -- "$cur") )' : kind === 'directory' ? 'COMPREPLY=( $(compgen -d -- "$cur") )' : 'COMPREPLY=()';
        return `        --${name}) ${reply}; return ;;`;
      });
    const rest = spec.positionals === 'file' ? 'COMPREPLY=( $(compgen -f -- "$cur") )' : 'COMPREPLY=()';
    return [`    ${spec.name})`, '      case "$prev" in', ...values, '      esac', `      if [[ "$cur" == -* ]]; then COMPREPLY=( $(compgen -W "${longFlags(spec).join(' ')}" -- "$cur") ); else ${rest}; fi`, '      ;;'].join('\n');
  });
  return `# capstan completion for bash. Load it with: source <(capstan completion bash)
_capstan() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${commands} --help --version" -- "$cur") )
    return
  fi
  # After "--" come the task's own command and arguments: nothing of ours to offer.
  local word
  for word in "\${COMP_WORDS[@]:2:COMP_CWORD-2}"; do
    if [ "$word" = "--" ]; then COMPREPLY=(); return; fi
  done
  case "\${COMP_WORDS[1]}" in
${cases.join('\n')}
    help) COMPREPLY=( $(compgen -W "${specs.map((spec) => spec.name).join(' ')}" -- "$cur") ) ;;
    completion) COMPREPLY=( $(compgen -W "bash zsh fish" -- "$cur") ) ;;
  esac
}
complete -o filenames -F _capstan capstan
`;
}

/** zsh's _arguments spec text: brackets and colons in help would end a field. */
function zshText(text: string): string {
  return text.replace(/[[\]:'\\]/g, ' ').replace(/\s+/g, ' ').trim();
}

function zshScript(specs: readonly CommandSpec[]): string {
  const commands = [...specs, ...BUILTINS].map((command) => `    '${command.name}:${zshText(command.summary)}'`);
  const cases = specs.map((spec) => {
    const args = Object.entries(spec.flags).map(([name, flag]) => {
      const kind = valueKind(flag);
      const action = kind === 'choices' ? `(${(flag.choices ?? []).join(' ')})` : kind === 'file' ? '_files' : kind === 'directory' ? '_files -/' : ' ';
      const value = flag.type === 'string' ? `:${zshText(flag.value ?? 'value')}:${action}` : '';
      return `        '${flag.multiple === true ? '*' : ''}--${name}[${zshText(flag.help)}]${value}'`;
    });
    const rest = spec.positionals === 'file' ? [`        '*:file:_files'`] : [];
    return [`    ${spec.name})`, '      _arguments -s \\', ...[...args, ...rest].map((arg, index, all) => (index === all.length - 1 ? arg : `${arg} \\`)), '      ;;'].join('\n');
  });
  return `#compdef capstan
# capstan completion for zsh. Load it with: source <(capstan completion zsh)
_capstan() {
  local -a commands
  commands=(
${commands.join('\n')}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  local command=$words[2]
  shift words
  (( CURRENT-- ))
  case $command in
${cases.join('\n')}
    help) _describe 'command' commands ;;
    completion) _values 'shell' bash zsh fish ;;
  esac
}
compdef _capstan capstan
`;
}

function fishText(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function fishScript(specs: readonly CommandSpec[]): string {
  const lines = [
    '# capstan completion for fish. Load it with: capstan completion fish | source',
    'complete -c capstan -f',
    `complete -c capstan -n '__fish_use_subcommand' -s V -l version -d 'print the version'`,
    ...[...specs, ...BUILTINS].map((command) => `complete -c capstan -n '__fish_use_subcommand' -a ${command.name} -d ${fishText(command.summary)}`),
    `complete -c capstan -n '__fish_seen_subcommand_from help' -a '${specs.map((spec) => spec.name).join(' ')}'`,
    `complete -c capstan -n '__fish_seen_subcommand_from completion' -a 'bash zsh fish'`,
  ];
  for (const spec of specs) {
    const when = `-n '__fish_seen_subcommand_from ${spec.name}'`;
    if (spec.positionals === 'file') lines.push(`complete -c capstan ${when} -F`);
    for (const [name, flag] of Object.entries(spec.flags)) {
      const kind = valueKind(flag);
      const value = flag.type === 'boolean' ? '' : kind === 'choices' ? ` -x -a '${(flag.choices ?? []).join(' ')}'` : kind === 'free' ? ' -x' : ' -r -F';
      lines.push(`complete -c capstan ${when}${flag.short === undefined ? '' : ` -s ${flag.short}`} -l ${name}${value} -d ${fishText(flag.help)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
