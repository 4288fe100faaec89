import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findDashboardDir } from './dashboard-dir';

// Where `capstan serve` finds the built dashboard: beside the workspace's bundle, or in the installed package's dist/,
// reached through the symlink npm -g puts on PATH.
let folder: string;

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'dashboard-dir-'));
});

afterEach(() => rmSync(folder, { recursive: true, force: true }));

function file(path: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, '');
  return path;
}

describe('findDashboardDir', () => {
  it("finds dashboard/ beside the workspace's bundle", () => {
    const program = file(join(folder, 'dist/apps/api/capstan-api.cjs'));
    file(join(folder, 'dist/apps/api/dashboard/index.html'));
    expect(findDashboardDir(program)).toBe(join(folder, 'dist/apps/api/dashboard'));
  });

  it("finds the package's dist/dashboard from its bin, through npm -g's symlink", () => {
    const bin = file(join(folder, 'lib/node_modules/@capstan/cli/bin/capstan.js'));
    file(join(folder, 'lib/node_modules/@capstan/cli/dist/dashboard/index.html'));
    mkdirSync(join(folder, 'bin'));
    symlinkSync(bin, join(folder, 'bin/capstan'));
    expect(findDashboardDir(join(folder, 'bin/capstan'))).toBe(join(folder, 'lib/node_modules/@capstan/cli/dist/dashboard'));
  });

  it('is undefined without a built page (a folder without index.html, no program, a program that does not exist)', () => {
    const program = file(join(folder, 'app/main.js'));
    mkdirSync(join(folder, 'app/dashboard/assets'), { recursive: true });
    expect(findDashboardDir(program)).toBeUndefined();
    expect(findDashboardDir(undefined)).toBeUndefined();
    expect(findDashboardDir(join(folder, 'missing.js'))).toBeUndefined();
  });
});
