import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildCli, capstan, cliBundle, workspaceRoot } from './testing/cli-harness';

const execFileAsync = promisify(execFile);

describe('the CLI behaves like its peers (the built CLI)', () => {
  jest.setTimeout(60_000);
  beforeAll(buildCli, 60_000);

  it("prints the CLI package's version for --version and -V", async () => {
    const { version } = JSON.parse(await readFile(join(workspaceRoot, 'apps/cli/package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const result = await capstan([flag]);
      expect(result).toEqual({ code: 0, stdout: `capstan ${version}\n`, stderr: '' });
    }
  });

  it('"capstan help <command>" prints what "<command> --help" does; the list names every command', async () => {
    for (const command of ['run', 'plan', 'runs', 'logs', 'report', 'ps', 'top', 'doctor', 'cleanup', 'serve']) {
      const viaHelp = await capstan(['help', command]);
      const viaFlag = await capstan([command, '--help']);
      expect(viaHelp.code).toBe(0);
      expect(viaHelp.stdout).toBe(viaFlag.stdout);
      expect(viaHelp.stdout).toMatch(new RegExp(`^Usage: capstan ${command}`));
    }
    for (const command of ['run', 'plan', 'runs', 'logs', 'report', 'ps', 'top', 'doctor', 'cleanup', 'serve']) {
      for (const line of (await capstan(['help', command])).stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(118);
    }
    const list = await capstan(['--help']);
    for (const command of ['run', 'plan', 'runs', 'logs', 'report', 'ps', 'top', 'doctor', 'cleanup', 'serve']) expect(list.stdout).toMatch(new RegExp(`\\n  ${command} +\\S`));
    expect(list.stdout).toContain('-V, --version');
  });

  it('the quick form\'s flags are in the run help', async () => {
    const { stdout } = await capstan(['run', '--help']);
    for (const flag of ['--image IMAGE', '--input SRC[:DEST]', '--output GLOB', '--retries N', '--shell PROGRAM']) expect(stdout).toContain(flag);
  });

  it('an unknown flag is one line naming the nearest valid flag, exit 64', async () => {
    const result = await capstan(['run', '--imge', 'x', '--', 'true']);
    expect(result.code).toBe(64);
    expect(result.stderr).toBe('capstan: unknown option --imge; did you mean --image? (see "capstan run --help")\n');
    expect(result.stdout).toBe('');
    const serve = await capstan(['serve', '--prot', '1']);
    expect(serve.code).toBe(64);
    expect(serve.stderr).toBe('capstan serve: unknown option --prot; did you mean --port? (see "capstan serve --help")\n');
  });

  it('an unknown command or help topic names the nearest command', async () => {
    expect(await capstan(['serv'])).toEqual({ code: 64, stdout: '', stderr: 'capstan: unknown command serv; did you mean serve? ("capstan --help" lists the commands)\n' });
    expect((await capstan(['help', 'rnu'])).stderr).toContain('did you mean run?');
  });

  it('hostile: a flag made of terminal escapes is shown escaped, never raw', async () => {
    const result = await capstan(['doctor', '--\u001b]0;pwned\u0007']);
    expect(result.code).toBe(64);
    // eslint-disable-next-line no-control-regex
    expect(result.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
    expect(result.stderr).toContain('\\u001b]0;pwned\\u0007');
  });

  it('completion: bash completes commands and flags of the real CLI when its script is sourced', async () => {
    const program = (words: string): string =>
      `source <(${JSON.stringify(process.execPath)} ${JSON.stringify(cliBundle)} completion bash); COMP_WORDS=(${words}); COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 )); _capstan; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const complete = async (words: string): Promise<string[]> => (await execFileAsync('bash', ['--norc', '--noprofile', '-c', program(words)], { cwd: workspaceRoot })).stdout.split('\n').filter(Boolean).sort();
    expect(await complete('capstan ser')).toEqual(['serve']);
    expect(await complete('capstan run --ima')).toEqual(['--image']);
    expect(await complete('capstan run --retr')).toEqual(['--retries']);
    expect(await complete('capstan serve --no')).toEqual(['--no-auth']);
    expect(await complete('capstan plan --backend do')).toEqual(['docker']);
    expect(await complete('capstan run --retention delete-')).toEqual(['delete-always', 'delete-on-success']);
  });

  it('completion: zsh and fish scripts carry the real flags; an unknown shell is a usage error', async () => {
    const zsh = await capstan(['completion', 'zsh']);
    expect(zsh.code).toBe(0);
    expect(zsh.stdout).toContain('#compdef capstan');
    expect(zsh.stdout).toMatch(/'\*--input\[[^\]]*\]:SRC DEST: '/);
    const fish = await capstan(['completion', 'fish']);
    expect(fish.stdout).toMatch(/-n '__fish_seen_subcommand_from serve' -l token-file -r -F/);
    if (existsSync('/usr/bin/fish')) {
      const fishSays = (await execFileAsync('fish', ['--no-config', '-c', `${fish.stdout}\ncomplete -C 'capstan serve --tok'`])).stdout;
      expect(fishSays.split('\n').map((line) => line.split('\t')[0]).filter(Boolean).sort()).toEqual(['--token', '--token-file']);
    }
    const bad = await capstan(['completion', 'tcsh']);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toBe('capstan: no completion for the shell "tcsh"; give one of bash, zsh, fish (e.g. capstan completion bash)\n');
  });

  it('fault: a bad number for a generated flag is a usage error naming the flag, not taken silently', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-conventions-'));
    try {
      const result = await capstan(['plan', 'examples/hello.yaml', '--timeout', 'soon', '--backend', 'local', '--work-root', dir]);
      expect(result.code).toBe(64);
      expect(result.stderr).toBe('capstan: --timeout soon is not a number; give one, e.g. --timeout 30 (see "capstan plan --help")\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
