import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// tools/packages/declarations.mjs is an ES module; jest runs CommonJS, so each case runs it in a child process.
const moduleUrl = `file://${resolve(__dirname, '..', 'declarations.mjs')}`;
let folder: string;

function rewrite(text: string, declared: string[]): { output: string; status: number | null } {
  const script =
    `const { rewriteDeclaration } = await import(${JSON.stringify(moduleUrl)});` +
    `process.stdout.write(rewriteDeclaration(${JSON.stringify(text)}, ${JSON.stringify(join(folder, 'index.d.ts'))}, new Set(${JSON.stringify(declared)})));`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  return { output: result.stdout + result.stderr, status: result.status };
}

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'pkg-build-dts-'));
  writeFileSync(join(folder, 'engine.d.ts'), 'export declare const e: 1;\n');
  mkdirSync(join(folder, 'run'));
  writeFileSync(join(folder, 'run', 'index.d.ts'), 'export declare const r: 1;\n');
});
afterEach(() => rmSync(folder, { recursive: true, force: true }));

describe('declarations as a package ships them', () => {
  it('gives every relative import its file, for node16 consumers', () => {
    const text = "export * from './engine';\nexport { r } from \"./run\";\nexport type T = import('./engine').E;\nimport type { Z } from 'zod';\n";
    expect(rewrite(text, ['zod'])).toEqual({
      status: 0,
      output: "export * from './engine.js';\nexport { r } from \"./run/index.js\";\nexport type T = import('./engine.js').E;\nimport type { Z } from 'zod';\n",
    });
  });

  it('refuses a package the package.json does not declare, naming it', () => {
    const result = rewrite("import type Docker from 'dockerode';\nimport type { Z } from 'zod/v4';\n", ['zod']);
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/index\.d\.ts imports "dockerode", which its package\.json does not declare/);
  });

  it('refuses a relative import with no declaration file (one that would escape the package)', () => {
    const result = rewrite("export * from '../../../apps/cli/src/main';\n", []);
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/imports "\.\.\/\.\.\/\.\.\/apps\/cli\/src\/main", which has no declaration file/);
  });
});
