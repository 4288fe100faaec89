import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { completionScript } from './completion';
import { SAMPLE_RUN, SAMPLES } from './testing/sample-commands';

const folder = mkdtempSync(join(tmpdir(), 'cli-conventions-completion-'));
mkdirSync(join(folder, 'runs-dir'));
writeFileSync(join(folder, 'task.yaml'), 'x');

/** Completes `line` (the words typed so far, the last one being completed) in a real bash with the script sourced. */
function bashCompletes(words: readonly string[]): string[] {
  const script = join(folder, 'capstan.bash');
  writeFileSync(script, completionScript('bash', SAMPLES));
  const quoted = words.map((word) => `'${word}'`).join(' ');
  const program = `source ${script}; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _capstan; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return execFileSync('bash', ['--norc', '--noprofile', '-c', program], { cwd: folder, encoding: 'utf8' }).split('\n').filter((line) => line !== '').sort();
}

describe('bash completion, sourced in bash', () => {
  it('completes commands, then a command\'s flags', () => {
    expect(bashCompletes(['capstan', ''])).toEqual(['--help', '--version', 'completion', 'help', 'run', 'status'].sort());
    expect(bashCompletes(['capstan', 'st'])).toEqual(['status']);
    expect(bashCompletes(['capstan', 'run', '--ba'])).toEqual(['--backend']);
    expect(bashCompletes(['capstan', 'status', '--'])).toEqual(['--help', '--json']);
  });

  it('completes a flag\'s choices, files for FILE, folders for DIR, and files as task files', () => {
    expect(bashCompletes(['capstan', 'run', '--backend', 'po'])).toEqual(['podman']);
    expect(bashCompletes(['capstan', 'run', '--config', 'ta'])).toEqual(['task.yaml']);
    expect(bashCompletes(['capstan', 'run', '--work-root', ''])).toEqual(['runs-dir']);
    expect(bashCompletes(['capstan', 'run', 't'])).toEqual(['task.yaml']);
    expect(bashCompletes(['capstan', 'completion', ''])).toEqual(['bash', 'fish', 'zsh']);
  });

  it('offers nothing of ours after -- (the words are the task\'s command) nor for a free value', () => {
    expect(bashCompletes(['capstan', 'run', '--', '--ba'])).toEqual([]);
    expect(bashCompletes(['capstan', 'run', '--image', ''])).toEqual([]);
  });
});

/**
 * Types `line` and a TAB into an interactive zsh (compinit, the script sourced) through zpty, then a key bound to a
 * widget that writes the edited line to a file: what a person at a zsh prompt would see completed.
 */
function zshCompletes(line: string): string {
  const script = join(folder, 'capstan.zsh');
  const result = join(folder, 'zsh-line.txt');
  writeFileSync(script, completionScript('zsh', SAMPLES));
  writeFileSync(result, '');
  const driver = `zmodload zsh/zpty
zpty z 'cd ${folder} && zsh -f -i'
sleep 0.5
zpty -w z "autoload -U compinit; compinit -u -D; source ${script}"
sleep 0.5
zpty -w z "show-line() { print -rn -- \\"\\$BUFFER\\" > ${result} }; zle -N show-line; bindkey '^X' show-line"
sleep 0.5
zpty -w -n z "$1"$'\\t'
sleep 1
zpty -w -n z $'\\C-x'
sleep 0.5
zpty -d z
`;
  execFileSync('zsh', ['-f', '-c', driver, 'driver', line], { timeout: 20_000 });
  return readFileSync(result, 'utf8');
}

const hasShell = (shell: string): boolean => ['/usr/bin', '/bin', '/usr/local/bin'].some((dir) => existsSync(join(dir, shell)));

describe('zsh completion', () => {
  const script = completionScript('zsh', SAMPLES);

  it('defines _capstan for compdef, with each command\'s flags and their values', () => {
    expect(script.startsWith('#compdef capstan\n')).toBe(true);
    expect(script).toContain("'run:run a thing'");
    expect(script).toContain("'--backend[where it runs]:NAME:(docker podman)'");
    expect(script).toContain("'--config[configuration file]:FILE:_files'");
    expect(script).toContain("'*--env[a variable]:K=V: '");
    expect(script).toContain("'*:file:_files'");
    expect(script).toContain('compdef _capstan capstan');
  });

  (hasShell('zsh') ? it : it.skip)('completes in a real interactive zsh (driven through zpty)', () => {
    expect(zshCompletes('capstan st')).toBe('capstan status ');
    expect(zshCompletes('capstan run --ba')).toBe('capstan run --backend ');
    expect(zshCompletes('capstan run --backend po')).toBe('capstan run --backend podman ');
    expect(zshCompletes('capstan run --config ta')).toBe('capstan run --config task.yaml ');
  }, 60_000);
});

describe('fish completion', () => {
  const script = completionScript('fish', SAMPLES);

  it('declares each command and each flag under its command', () => {
    expect(script).toContain("complete -c capstan -n '__fish_use_subcommand' -a run -d 'run a thing'");
    expect(script).toContain("complete -c capstan -n '__fish_seen_subcommand_from run' -l backend -x -a 'docker podman' -d 'where it runs'");
    expect(script).toContain("complete -c capstan -n '__fish_seen_subcommand_from status' -s h -l help -d 'show this help'");
  });

  (hasShell('fish') ? it : it.skip)('completes in fish', () => {
    const complete = (line: string): string[] =>
      execFileSync('fish', ['--no-config', '-c', `${script}\ncomplete -C '${line}'`], { cwd: folder, encoding: 'utf8' })
        .split('\n')
        .filter((entry) => entry !== '')
        .map((entry) => entry.split('\t')[0] ?? '');
    expect(complete('capstan run --ba')).toEqual(['--backend']);
    expect(complete('capstan run --backend po')).toEqual(['podman']);
    expect(complete('capstan st')).toEqual(['status']);
    expect(complete('capstan run --config ta')).toEqual(['task.yaml']);
  });
});

describe('completionScript', () => {
  it('hostile: refuses an unknown shell with a usage error, the name cut short', () => {
    expect(() => completionScript(`powershell${'x'.repeat(500)}`, SAMPLES)).toThrow(/^no completion for the shell "powershellx{22}"; give one of bash, zsh, fish/);
  });

  it('hostile: quotes in help text cannot end a fish or zsh string', () => {
    const sneaky = [{ ...SAMPLE_RUN, flags: { x: { type: 'boolean' as const, help: "it's [a]: \\ test" } } }];
    expect(completionScript('fish', sneaky)).toContain("-d 'it\\'s [a]: \\\\ test'");
    expect(completionScript('zsh', sneaky)).toContain("'--x[it s a test]'");
  });
});
