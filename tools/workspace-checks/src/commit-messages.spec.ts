import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// The commit message check (tools/commits/check-commits.mjs) on single messages, then on the history of a scratch
// repository: judged only from the commit that adds the script on, merges and older branches left alone.
const root = resolve(__dirname, '..', '..', '..');
const script = join(root, 'tools', 'commits', 'check-commits.mjs');

function check(...args: string[]): { status: number | null; output: string } {
  const run = spawnSync(process.execPath, [script, ...args], { cwd: root, encoding: 'utf8' });
  return { status: run.status, output: run.stdout + run.stderr };
}

describe('commit messages (check-commits.mjs)', () => {
  it.each([
    'feat(engine): a retry keeps the attempt folder',
    'fix(apptainer-runner,tes-runner): both backends read the new option',
    'fix: a change across many projects has no scope',
    'perf(docker-api)!: one connection per daemon\n\nBREAKING CHANGE: DockerClient no longer takes a pool size',
    'refactor(transfer): checkAddress only\n\nWhy: the two checks disagreed.\n\nBREAKING CHANGE: checkHttpHost is gone; call checkAddress',
    'test(support): a request fixture',
    'docs: commit messages',
    'build(packages): one tarball per library',
    'chore(release): publish 0.2.0',
  ])('accepts %j', (message) => {
    expect(check(`--message=${message}`)).toEqual({ status: 0, output: expect.stringContaining('1 commit message(s) follow the format') });
  });

  it.each([
    ['the repository\'s older "area: subject" form', 'engine: retries keep the folder', 'the type "engine" is not one of feat, fix'],
    ['an unknown type', 'feature(engine): x', 'the type "feature" is not one of'],
    ['a capitalised type', 'Fix(engine): x', 'the type "Fix"'],
    ['a scope that names no project', 'fix(apii): x', 'the scope "apii" names no Nx project'],
    ['one unknown scope among known ones', 'fix(engine, wirng): x', 'the scope "wirng" names no Nx project'],
    ['a path as a scope (hostile)', 'fix(../../etc): x', 'the scope "../../etc" names no Nx project'],
    ['no space after the colon', 'fix(engine):x', 'is not "type(scope): description"'],
    ['an empty description', 'fix(engine): ', 'the description after "type(scope): " is empty'],
    ['a fixup left unsquashed', 'fixup! fix(engine): x', 'is not "type(scope): description"'],
    ['a breaking footer nx release does not read', 'fix(engine): x\n\nBREAKING CHANGES: the old call is gone', 'the footer "BREAKING CHANGES: the old call is gone" is not read by nx release'],
    ['a breaking footer in lower case', 'fix(engine): x\n\nbreaking change: gone', 'the footer "breaking change: gone"'],
    ['an empty message', '', 'is not "type(scope): description"'],
  ])('refuses %s, saying why and how to write it', (_case, message, why) => {
    const result = check(`--message=${message}`);
    expect(result.status).toBe(1);
    expect(result.output).toContain(why);
    expect(result.output).toContain('docs/decisions.md, "Commit messages"');
  });

  describe('history', () => {
    let repo: string;
    const git = (...args: string[]): string =>
      execFileSync('git', ['-c', 'user.name=leftovers', '-c', 'user.email=leftovers@example.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd: repo, encoding: 'utf8' }).trim();
    const commit = (message: string, file = `f-${Math.random()}`): string => {
      writeFileSync(join(repo, file), message);
      git('add', '-A');
      git('commit', '-q', '-m', message);
      return git('rev-parse', 'HEAD');
    };
    const history = (...args: string[]) => check(`--root=${repo}`, ...args);

    beforeAll(() => {
      repo = mkdtempSync(join(tmpdir(), 'leftovers-commits-'));
      git('init', '-q', '-b', 'main');
      mkdirSync(join(repo, 'libs', 'engine'), { recursive: true });
      writeFileSync(join(repo, 'libs', 'engine', 'project.json'), JSON.stringify({ name: 'engine' }));
      commit('engine: the old form, before the check');
      git('branch', 'older');
      mkdirSync(join(repo, 'tools', 'commits'), { recursive: true });
      // The commit that adds the script is where judging starts; its own message is not judged.
      commit('tools: add the commit check', 'tools/commits/check-commits.mjs');
    });
    afterAll(() => rmSync(repo, { recursive: true, force: true }));

    it('judges nothing before the commit that adds the script, and passes good commits after it', () => {
      expect(history()).toEqual({ status: 0, output: expect.stringContaining('0 commit message(s) follow the format') });
      commit('feat(engine): a good one');
      expect(history()).toEqual({ status: 0, output: expect.stringContaining('1 commit message(s) follow the format') });
    });

    it("leaves alone a branch from before the check merged in later, and the merge commit's own message", () => {
      git('checkout', '-q', 'older');
      commit('engine: written in parallel, before the check existed');
      git('checkout', '-q', 'main');
      git('merge', '-q', '--no-ff', '--no-edit', 'older');
      expect(history()).toEqual({ status: 0, output: expect.stringContaining('1 commit message(s) follow the format') });
    });

    it('fails on a bad commit after the check, naming its hash and the problem (fault)', () => {
      const bad = commit('engine: the old form, after the check');
      const result = history();
      expect(result.status).toBe(1);
      expect(result.output).toContain(`${bad.slice(0, 10)}: the type "engine" is not one of`);
      // --since judges from another commit: after the bad one there is nothing left to judge.
      expect(history(`--since=${bad}`)).toMatchObject({ status: 0 });
    });

    it('says what to do in a history where no commit adds the script', () => {
      const bare = mkdtempSync(join(tmpdir(), 'leftovers-commits-bare-'));
      try {
        execFileSync('git', ['init', '-q'], { cwd: bare });
        const result = check(`--root=${bare}`);
        expect(result).toMatchObject({ status: 1, output: expect.stringContaining('no commit adds tools/commits/check-commits.mjs in this history') });
      } finally {
        rmSync(bare, { recursive: true, force: true });
      }
    });
  });
});
