// Checks that commit messages follow Conventional Commits as nx release reads them (docs/decisions.md, "Commit
// messages"): `type(scope)!: description`, a known type, each scope an Nx project's name, a breaking change said the
// way nx sees it. History is judged only from the commit that added this script on, and only its descendants, so
// older commits (written `area: subject`) and commits of branches merged in from before it are left alone; merge
// commits are skipped (nx release ignores them too).
//
//   node tools/commits/check-commits.mjs                  every commit after the one that added this script
//   node tools/commits/check-commits.mjs --since=REV      every commit after REV instead
//   node tools/commits/check-commits.mjs --message=TEXT   one message (e.g. from a commit-msg hook)
//   --root=DIR                                            another repository of the same layout (the tests' scratch one)
import { execFileSync } from 'node:child_process';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';

/** The types this repository uses, with what nx release makes of them (nx.json keeps nx's defaults). */
export const COMMIT_TYPES = ['feat', 'fix', 'perf', 'refactor', 'test', 'docs', 'build', 'chore'];
/** nx release's own version commit (`release.git.commitMessage`, nx's default): its scope is no project. */
const RELEASE_COMMIT = /^chore\(release\): publish\b/;
const SUBJECT = /^(?<type>[^\s():!]+)(?:\((?<scope>[^()]*)\))?(?<breaking>!)?: (?<description>.*)$/u;
const SCRIPT = relative(join(dirname(fileURLToPath(import.meta.url)), '../..'), fileURLToPath(import.meta.url));

/** The problems of one commit message (empty when it is fine); `projects` are the Nx project names scopes may use. */
export function messageProblems(message, projects) {
  const [subject = '', ...rest] = message.replace(/\r\n/g, '\n').split('\n');
  const body = rest.join('\n');
  if (RELEASE_COMMIT.test(subject)) return [];
  const match = SUBJECT.exec(subject);
  if (match?.groups === undefined) {
    return [`the subject "${subject}" is not "type(scope): description"; write e.g. "fix(engine): a retry keeps the attempt's folder" (scope optional)`];
  }
  const { type, scope, description } = match.groups;
  const problems = [];
  if (!COMMIT_TYPES.includes(type)) problems.push(`the type "${type}" is not one of ${COMMIT_TYPES.join(', ')}`);
  if (scope !== undefined) {
    const scopes = scope.split(',').map((one) => one.trim());
    const unknown = scopes.filter((one) => !projects.includes(one));
    if (unknown.length > 0) {
      problems.push(`the scope ${unknown.map((one) => `"${one}"`).join(', ')} names no Nx project (nx release would bump nothing for it); use a project's name (${projects.join(', ')}), several separated by commas, or no scope`);
    }
  }
  if (description.trim() === '') problems.push('the description after "type(scope): " is empty; say what changed');
  else if (description !== description.trimStart()) problems.push('the description starts with more than one space after the colon');
  // nx release sees a breaking change only as `!` or a footer written exactly `BREAKING CHANGE: `; a near miss would be
  // released as a minor or patch change without anyone noticing.
  for (const line of body.split('\n')) {
    if (/^breaking[ -]?changes?\b/i.test(line) && !/^BREAKING CHANGE: \S/.test(line)) {
      problems.push(`the footer "${line}" is not read by nx release; write "BREAKING CHANGE: what breaks and what to do" (or "!" before the colon)`);
    }
  }
  return problems;
}

/** The Nx project names of the repository at `root` (each tracked project.json's `name`). */
export function projectNames(root) {
  const files = git(root, ['ls-files', '--', '*project.json']).split('\n').filter((file) => file !== '' && !file.includes('node_modules/'));
  return files.map((file) => JSON.parse(readFileSync(join(root, file), 'utf8')).name).filter((name) => typeof name === 'string').sort();
}

/** The oldest commit that added this script, or undefined (not committed yet, or a repository without commits). */
function addingCommit(root) {
  try {
    return git(root, ['log', '--diff-filter=A', '--format=%H', '--', SCRIPT]).trim().split('\n').pop();
  } catch {
    return undefined;
  }
}

function git(root, args) {
  return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function main(argv) {
  const option = (name) => argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
  const root = resolve(option('root') ?? join(dirname(fileURLToPath(import.meta.url)), '../..'));
  const projects = projectNames(root);
  const single = option('message');
  if (single !== undefined) return report(messageProblems(single, projects).map((problem) => `the message: ${problem}`), 1);

  // The commit that added this script; in a shallow clone, the oldest commit there is (which then "adds" every file).
  const since = option('since') ?? addingCommit(root);
  if (since === undefined || since === '') return fail(`no commit adds ${SCRIPT} in this history; commit it first, or give --since=REV`);
  const log = git(root, ['log', '-z', '--no-merges', '--ancestry-path', '--format=%H%n%B', `${since}..HEAD`]);
  const commits = log.split('\0').filter((entry) => entry.trim() !== '');
  const problems = commits.flatMap((entry) => {
    const [hash = '', ...message] = entry.split('\n');
    return messageProblems(message.join('\n').trim(), projects).map((problem) => `${hash.slice(0, 10)}: ${problem}`);
  });
  return report(problems, commits.length);
}

function report(problems, count) {
  if (problems.length > 0) {
    return fail(`${problems.join('\n')}\n  Commit messages are Conventional Commits (docs/decisions.md, "Commit messages"); reword a local commit with \`git commit --amend\` or \`git rebase -i\`.`);
  }
  console.log(`capstan: commits: ${count} commit message(s) follow the format`);
  return 0;
}

function fail(message) {
  console.error(`capstan: commits: ${message}`);
  return 1;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
