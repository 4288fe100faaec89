import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

// The generator runs as its own process (an ES module, as `npm run package` runs it), against this workspace or a
// small one written for the case.
const root = resolve(__dirname, '..', '..', '..');
const script = join(root, 'tools/packages/package-json.mjs');

function generator(args: string[], workspace = root): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [script, ...args, '--root', workspace], { encoding: 'utf8' });
  return { status: result.status, output: result.stdout + result.stderr };
}

let workspace: string;
const write = (file: string, text: string): void => {
  mkdirSync(dirname(join(workspace, file)), { recursive: true });
  writeFileSync(join(workspace, file), text);
};
const manifest = (lib: string): Record<string, Record<string, string>> =>
  JSON.parse(readFileSync(join(workspace, 'libs', lib, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;

function addLib(name: string, source: string): void {
  write(`libs/${name}/project.json`, JSON.stringify({ name }));
  write(`libs/${name}/tsconfig.json`, JSON.stringify({ extends: '../../tsconfig.base.json', include: ['src/**/*.ts'] }));
  write(`libs/${name}/src/index.ts`, source);
}

beforeEach(() => {
  workspace = mkdtempSync(join(tmpdir(), 'pkg-build-manifest-'));
  write('package.json', JSON.stringify({ dependencies: { yaml: '^2.9.1', zod: '^4.6.7', dockerode: '^5.0.1' }, devDependencies: { '@types/dockerode': '^4.0.2' } }));
  write('tsconfig.base.json', JSON.stringify({ compilerOptions: { paths: { '@capstan/a': ['libs/a/src/index.ts'], '@capstan/b': ['libs/b/src/index.ts'] } } }));
});
afterEach(() => rmSync(workspace, { recursive: true, force: true }));

describe('package.json files derived from real imports', () => {
  jest.setTimeout(30_000);

  it("every project's package.json in this workspace is up to date", () => {
    const result = generator(['--check']);
    expect(result.output).toMatch(/package\.json files up to date/);
    expect(result.status).toBe(0);
  });

  it('fails the check when a library starts importing a package its package.json does not declare', () => {
    addLib('a', "import { parse } from 'yaml';\nexport const read = parse;\n");
    expect(generator([], workspace).status).toBe(0);
    expect(generator(['--check'], workspace).status).toBe(0);
    write('libs/a/src/extra.ts', "import { z } from 'zod';\nexport const schema = z.string();\n");
    write('libs/a/src/index.ts', "import { parse } from 'yaml';\nexport { schema } from './extra';\nexport const read = parse;\n");
    const result = generator(['--check'], workspace);
    expect(result.status).toBe(1);
    expect(result.output).toMatch(/libs\/a\/package\.json: "dependencies" is .*"zod":"\^4\.6\.7"/);
    expect(result.output).toMatch(/run: node tools\/packages\/package-json\.mjs/);
  });

  it('refuses an import the workspace does not pin, naming it and the fix', () => {
    addLib('a', "import leftPad from 'left-pad';\nexport const pad = leftPad;\n");
    const result = generator([], workspace);
    expect(result.status).toBe(1);
    expect(result.output).toMatch(/libs\/a imports "left-pad", which the workspace's package\.json does not list: add "left-pad"/);
  });

  it('declares a type-only import with its @types, and leaves node builtins out', () => {
    addLib('a', "import type Docker from 'dockerode';\nimport { join } from 'node:path';\nexport type Client = Docker;\nexport const j = join;\n");
    expect(generator([], workspace).status).toBe(0);
    expect(manifest('a').dependencies).toEqual({ dockerode: '^5.0.1', '@types/dockerode': '^4.0.2' });
  });

  it('takes a sibling library by its version, and fails the check on a path instead', () => {
    addLib('a', 'export const one = 1;\n');
    addLib('b', "import { one } from '@capstan/a';\nexport const two = one + 1;\n");
    write('libs/a/package.json', JSON.stringify({ version: '0.3.0' }));
    expect(generator([], workspace).status).toBe(0);
    expect(manifest('b').dependencies).toEqual({ '@capstan/a': '0.3.0' });
    expect(manifest('b').exports).toEqual({ '.': { types: './dist/index.d.ts', default: './dist/index.js' }, './package.json': './package.json' });
    const tampered = { ...manifest('b'), dependencies: { '@capstan/a': 'file:../a' } };
    write('libs/b/package.json', JSON.stringify(tampered));
    const result = generator(['--check'], workspace);
    expect(result.status).toBe(1);
    expect(result.output).toMatch(/"dependencies" is \{"@capstan\/a":"file:\.\.\/a"\}, expected \{"@capstan\/a":"0\.3\.0"\}/);
  });
});
