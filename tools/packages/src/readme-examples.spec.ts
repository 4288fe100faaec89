import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { packageReadmes, runExample, type TsExample, tsExamplesOf, typeCheck, workspaceTsExamples } from './readme-examples';

// Each package's README is packed into its tarball: its TypeScript examples must compile against the packages as a
// user's module would (strict, `@capstan/<name>` imports) and, unless marked not run, run to exit 0.
const root = resolve(__dirname, '..', '..', '..');
const dir = join(root, 'tmp', 'readme-examples');
const examples = workspaceTsExamples(root);
const runnable = examples.filter((example) => example.notRun === undefined);
// Canaries prove the checks bite: one example that does not compile, one that compiles and fails when run.
const broken: TsExample = { where: 'canary.md:1', file: 'canary-broken', text: "import { noSuchExport } from '@capstan/naming';\nconsole.log(noSuchExport);\n", firstLine: 2, notRun: undefined };
const throwing: TsExample = { where: 'canary.md:5', file: 'canary-throws', text: "throw new Error('the canary fails');\n", firstLine: 6, notRun: undefined };
// One tsc program writes and checks every example; the runs need the written files even when only they are selected.
let checked: Map<string, string[]> | undefined;
const typeCheckOnce = (): Map<string, string[]> => (checked ??= typeCheck(root, dir, [...examples, broken, throwing]));

describe('finding the TypeScript examples of a README', () => {
  it('takes ts and typescript blocks with their README line, carries a not-run reason, and skips other languages', () => {
    const readme = ['# x', '```ts', 'const a = 1;', '```', '```sh', 'ls', '```', '<!-- example: not run here: needs a TES server -->', '', '```typescript', 'const b = 2;', '```'].join('\n');
    expect(tsExamplesOf(readme, 'libs/demo/README.md')).toEqual([
      { where: 'libs/demo/README.md:2', file: 'demo-L2', text: 'const a = 1;\n', firstLine: 3, notRun: undefined },
      { where: 'libs/demo/README.md:10', file: 'demo-L10', text: 'const b = 2;\n', firstLine: 11, notRun: 'needs a TES server' },
    ]);
  });

  it('finds a README for every library and app, in every library\'s a TypeScript example, and few marked not run', () => {
    const projects = ['libs', 'apps'].flatMap((kind) => readdirSync(join(root, kind)).map((name) => `${kind}/${name}/README.md`));
    expect(packageReadmes(root)).toEqual(expect.arrayContaining(projects));
    const withoutExample = readdirSync(join(root, 'libs')).filter((name) => !examples.some((example) => example.where.startsWith(`libs/${name}/`)));
    expect(withoutExample).toEqual([]);
    // Only what cannot run outside its harness (a jest suite, a TES server): a reason each.
    expect(examples.filter((example) => example.notRun !== undefined).map((example) => example.where).length).toBeLessThanOrEqual(3);
  });
});

describe('every TypeScript example of a package README compiles (strict, each its own module)', () => {
  jest.setTimeout(300_000);
  let errors: Map<string, string[]>;
  beforeAll(() => {
    errors = typeCheckOnce();
  }, 300_000);

  it('reports an example that does not compile, at its README line (a canary)', () => {
    expect(errors.get('canary-broken')).toEqual([expect.stringMatching(/^canary\.md:2: error TS2305: .*noSuchExport/)]);
  });

  it('has no error outside the examples', () => {
    expect(errors.get('')).toBeUndefined();
  });

  it.each(examples.map((example) => [example.where, example] as const))('%s', (_where, example) => {
    expect(errors.get(example.file)).toEqual([]);
  });
});

describe('every TypeScript example not marked "not run here" runs to exit 0', () => {
  jest.setTimeout(120_000);
  let cwd: string;
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'readme-examples-'));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));
  beforeAll(typeCheckOnce, 300_000);

  it('reports an example that fails when run (a canary)', () => {
    const run = runExample(root, dir, throwing, cwd, 60_000);
    expect(run.status).not.toBe(0);
    expect(run.output).toContain('the canary fails');
  });

  it.each(runnable.map((example) => [example.where, example] as const))('%s', (_where, example) => {
    const run = runExample(root, dir, example, cwd, 90_000);
    // The status first, then what the example printed: a failure shows both.
    expect(`exit ${run.status}\n${run.output}`).toMatch(/^exit 0\n/);
  });
});
