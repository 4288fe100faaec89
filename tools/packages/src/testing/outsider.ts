import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';

// What the specs that use the packages as an outsider share: the tarballs `npm run package` wrote (once per jest run,
// by pack-packages.global-setup.cjs) and a scratch folder outside the repository with its own npm cache home.
export const root = resolve(__dirname, '..', '..', '..', '..');
export const tarballs = join(root, 'dist/packages');
export const cliVersion = (JSON.parse(readFileSync(join(root, 'apps/cli/package.json'), 'utf8')) as { version: string }).version;
export const libraries = (): string[] => readdirSync(join(root, 'libs')).sort();
export const tarball = (name: string, version = '0.1.0'): string => join(tarballs, `capstan-${name}-${version}.tgz`);
/** Every library's tarball and the CLI's: npm finds a package's @capstan dependencies among them, never on a registry. */
export const allTarballs = (): string[] => [...libraries().map((name) => tarball(name)), tarball('cli', cliVersion)];

/** Fails the caller's set-up with the packaging error the global set-up kept (it must not stop every other project). */
export function expectPackaged(): void {
  const error = process.env['PACKAGES_BUILD_ERROR'];
  if (error) throw new Error(`npm run package failed in the global set-up:\n${error}`);
}

export interface Outsider {
  readonly dir: string;
  run(command: string, args: readonly string[], cwd: string, options?: { extraPath?: string; timeoutMs?: number; env?: Readonly<Record<string, string>> }): SpawnSyncReturns<string>;
  npm(args: readonly string[], cwd: string): SpawnSyncReturns<string>;
  remove(): void;
}

/** A temporary folder outside the repository to install and run the packages in. */
export function outsider(prefix: string): Outsider {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const run: Outsider['run'] = (command, args, cwd, options = {}) => {
    // The running Node first: the `#!/usr/bin/env node` of an installed bin must find a supported one.
    const path = [options.extraPath, dirname(process.execPath), process.env['PATH'] ?? ''].filter(Boolean).join(delimiter);
    return spawnSync(command, args, {
      cwd,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs, killSignal: 'SIGKILL' }),
      env: { ...process.env, PATH: path, XDG_CACHE_HOME: join(dir, 'cache'), npm_config_update_notifier: 'false', ...options.env },
    });
  };
  return {
    dir,
    run,
    npm: (args, cwd) => run('npm', [...args, '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], cwd),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * A `module.registerHooks` load hook for a child process (`NODE_OPTIONS: --require ...`) that lists every module URL
 * Node loads, ES and CommonJS alike; `loaded()` reads the list the last hooked process wrote at exit.
 */
export function loadHook(dir: string, name: string): { nodeOptions: string; loaded(): string[] } {
  const hook = join(dir, `${name}-load-hook.cjs`);
  const list = join(dir, `${name}-loaded.txt`);
  writeFileSync(
    hook,
    `const seen = []; require('node:module').registerHooks({ load(url, context, next) { seen.push(url); return next(url, context); } });
process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, seen.join('\\n')));`,
  );
  return { nodeOptions: `--require ${hook}`, loaded: () => readFileSync(list, 'utf8').split('\n') };
}
