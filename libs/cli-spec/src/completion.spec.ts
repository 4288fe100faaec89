import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
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

  (hasShell('zsh') ? it : it.skip)('parses in zsh', () => {
    execFileSync('zsh', ['-n', '-c', script]);
  });
});

describe('fish completion', () => {
  const script = completionScript('fish', SAMPLES);

  it('declares each command and each flag under its command', () => {
    expect(script).toContain("complete -c capstan -n '__fish_use_subcommand' -a run -d 'run a thing'");
    expect(script).toContain("complete -c capstan -n '__fish_seen_subcommand_from run' -l backend -x -a 'docker podman' -d 'where it runs'");
    expect(script).toContain("complete -c capstan -n '__fish_seen_subcommand_from status' -s h -l help -d 'show this help'");
  });

  (hasShell('fish') ? it : it.skip)('completes in fish', () => {
    const out = execFileSync('fish', ['--no-config', '-c', `${script}\ncomplete -C 'capstan run --ba'`], { encoding: 'utf8' });
    expect(out).toContain('--backend');
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
