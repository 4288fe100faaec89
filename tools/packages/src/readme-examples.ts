import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fencedBlocks } from '../../lib/markdown-blocks';

/** One TypeScript block of a package's README, written out as `<file>.ts`. */
export interface TsExample {
  readonly where: string;
  readonly file: string;
  readonly text: string;
  readonly firstLine: number;
  readonly notRun: string | undefined;
}

/** The ```ts blocks of one README (`readme` relative to `root`). */
export function tsExamplesOf(markdown: string, readme: string): TsExample[] {
  const project = readme.split('/')[1] ?? readme;
  return fencedBlocks(markdown, readme)
    .filter((block) => block.language === 'ts' || block.language === 'typescript')
    .map((block) => ({
      where: block.where,
      file: `${project}-L${block.firstLine - 1}`,
      text: `${block.body.join('\n')}\n`,
      firstLine: block.firstLine,
      notRun: block.notRun,
    }));
}

/** Every package README of the workspace (libs/*, apps/*), relative to `root`. */
export function packageReadmes(root: string): string[] {
  return ['libs', 'apps'].flatMap((kind) =>
    readdirSync(join(root, kind))
      .sort()
      .map((name) => `${kind}/${name}/README.md`)
      .filter((readme) => existsSync(join(root, readme))),
  );
}

export function workspaceTsExamples(root: string): TsExample[] {
  return packageReadmes(root).flatMap((readme) => tsExamplesOf(readFileSync(join(root, readme), 'utf8'), readme));
}

/**
 * Type-checks every example as its own module (moduleDetection force) in one strict program over the workspace's
 * path aliases, as a user's file importing `@capstan/<name>` would be. Returns the errors per example file, each
 * pointed at its README line; errors outside the examples are under ''.
 */
export function typeCheck(root: string, dir: string, examples: readonly TsExample[]): Map<string, string[]> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const example of examples) writeFileSync(join(dir, `${example.file}.ts`), example.text);
  const base = relative(dir, join(root, 'tsconfig.base.json'));
  // jest's types too: the conformance kit's sources (reached through the path aliases) declare jest tests.
  const tsconfig = { extends: base, compilerOptions: { noEmit: true, moduleDetection: 'force', types: ['node', 'jest'] }, files: examples.map((example) => `${example.file}.ts`) };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json'), '--pretty', 'false'], { cwd: root, encoding: 'utf8' });
  const byFile = new Map<string, string[]>(examples.map((example) => [example.file, []]));
  const byName = new Map(examples.map((example) => [example.file, example]));
  let last: string[] | undefined;
  for (const line of `${tsc.stdout}${tsc.stderr}`.split('\n').filter((text) => text.trim() !== '')) {
    const match = /^(?:.*\/)?([^/(]+)\.ts\((\d+),\d+\): (error .*)$/.exec(line);
    const example = match ? byName.get(match[1] as string) : undefined;
    // An indented line goes on explaining the error before it (an elaborated type mismatch).
    if (/^\s/.test(line) && last) last[last.length - 1] += `\n${line}`;
    else if (!match || !example) byFile.set('', (last = [...(byFile.get('') ?? []), line]));
    else (last = byFile.get(example.file))?.push(`${example.where.split(':')[0]}:${example.firstLine + Number(match[2]) - 1}: ${match[3]}`);
  }
  if (tsc.status !== 0 && [...byFile.values()].every((errors) => errors.length === 0)) byFile.set('', [`tsc exited ${tsc.status}`]);
  return byFile;
}

/** Runs one written example with tools/run-ts.mjs (as an ES module: examples use top-level await) in `cwd`. */
export function runExample(root: string, dir: string, example: TsExample, cwd: string, timeoutMs: number): { status: number | null; output: string } {
  // Capstan reads CAPSTAN_* variables as its configuration: an example runs as written, not as this shell is set up.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CAPSTAN_')));
  const run = spawnSync(process.execPath, [join(root, 'tools/run-ts.mjs'), '--esm', join(dir, `${example.file}.ts`)], { cwd, env, encoding: 'utf8', timeout: timeoutMs });
  return { status: run.status, output: `${run.stdout}${run.stderr}${run.error ? String(run.error) : ''}` };
}
