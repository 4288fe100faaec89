import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

// The API report check on a scratch workspace of one library: it passes on a matching report, fails naming the update
// command when the public API moves, and refuses declarations that do not compile. Inside the repository's tmp/ so
// the scratch workspace finds the repository's node_modules (TypeScript, @types/node).
const root = resolve(__dirname, '..', '..', '..');
const script = join(root, 'tools', 'api', 'api-reports.mjs');

function reports(workspace: string, ...args: string[]) {
  const run = spawnSync(process.execPath, [script, `--root=${workspace}`, ...args], { cwd: root, encoding: 'utf8' });
  return { status: run.status, output: run.stdout + run.stderr };
}

describe('API reports (api-reports.mjs)', () => {
  jest.setTimeout(120_000);
  let workspace: string;

  beforeAll(() => {
    mkdirSync(join(root, 'tmp'), { recursive: true });
    workspace = mkdtempSync(join(root, 'tmp', 'api-surface-check-'));
    writeFileSync(join(workspace, 'tsconfig.base.json'), JSON.stringify({ compilerOptions: { target: 'ES2024', module: 'ESNext', moduleResolution: 'bundler', strict: true, types: ['node'] } }));
    mkdirSync(join(workspace, 'libs', 'demo', 'src'), { recursive: true });
  });

  afterAll(() => rmSync(workspace, { recursive: true, force: true }));

  const writeIndex = (source: string) => writeFileSync(join(workspace, 'libs', 'demo', 'src', 'index.ts'), source);
  const expectCheckFails = (...lines: string[]) => {
    const check = reports(workspace);
    expect(check.status).toBe(1);
    for (const line of lines) expect(check.output).toContain(line);
  };

  it('writes a report on update, then passes while the public API is unchanged', () => {
    writeIndex("export { greet } from './greet';\n");
    writeFileSync(join(workspace, 'libs', 'demo', 'src', 'greet.ts'), 'export function greet(name: string): string {\n  return `hello ${name}`;\n}\nexport const helper = 1;\n');
    expect(reports(workspace, '--update')).toMatchObject({ status: 0 });
    const report = readFileSync(join(workspace, 'libs', 'demo', 'api', 'demo.api.md'), 'utf8');
    expect(report).toContain('export function greet(name: string): string;');
    // Only what index.ts exports is API: the module's other export is not in the report.
    expect(report).not.toContain('helper');
    expect(reports(workspace)).toEqual({ status: 0, output: expect.stringContaining('1 API reports match') });
  });

  it('fails naming the library, its report and the update command when the public API changes', () => {
    writeIndex("export { greet, helper } from './greet';\n");
    expectCheckFails('the public API of demo differs from its checked-in report (libs/demo/api/demo.api.md)', 'npm run api:update');
    // The check leaves the checked-in report alone.
    expect(readFileSync(join(workspace, 'libs', 'demo', 'api', 'demo.api.md'), 'utf8')).not.toContain('helper');
  });

  it('fails, on check and update alike, when a public signature uses a type index.ts does not export', () => {
    writeFileSync(join(workspace, 'libs', 'demo', 'src', 'shout.ts'), 'export interface Volume {\n  readonly loud: boolean;\n}\nexport function shout(volume: Volume): string {\n  return volume.loud ? "HI" : "hi";\n}\n');
    writeIndex("export { greet } from './greet';\nexport { shout } from './shout';\n");
    const forgotten = ['The symbol "Volume" needs to be exported', '1 type(s) above are used by a public signature but not exported', 'Export each by name from src/index.ts'];
    expectCheckFails(...forgotten);
    const update = reports(workspace, '--update');
    expect(update.status).toBe(1);
    for (const line of forgotten) expect(update.output).toContain(line);
    // Exported by name, the same signature passes.
    writeIndex("export { greet } from './greet';\nexport { shout, type Volume } from './shout';\n");
    expect(reports(workspace, '--update')).toMatchObject({ status: 0 });
    expect(readFileSync(join(workspace, 'libs', 'demo', 'api', 'demo.api.md'), 'utf8')).toContain('export interface Volume');
    writeIndex("export { greet } from './greet';\n");
    expect(reports(workspace, '--update')).toMatchObject({ status: 0 });
  });

  it('fails when the declarations do not emit, instead of reporting a partial API', () => {
    writeIndex("export { greet } from './greet';\nexport const broken = ;\n");
    expectCheckFails('the declarations do not emit', 'libs/demo/src/index.ts');
  });

  it('fails for a library without a report (a new library must check one in)', () => {
    writeIndex("export { greet } from './greet';\n");
    rmSync(join(workspace, 'libs', 'demo', 'api'), { recursive: true, force: true });
    expectCheckFails('the public API of demo differs from its checked-in report', 'npm run api:update');
  });

  it('refuses an unknown library name, listing the known ones', () => {
    expect(reports(workspace, 'no-such-lib')).toEqual({ status: 1, output: expect.stringContaining('unknown library no-such-lib; known: demo') });
  });
});
