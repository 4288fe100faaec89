import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ExitCode } from '@capstan/support';
import { buildCli, capstan, folderPerTest } from './testing/cli-harness';

/** The environment without Capstan's own variables, so that only the flags and files given decide. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CAPSTAN_')));
}

describe('one exit-code policy: run and serve exit alike for the same error (the built CLI)', () => {
  jest.setTimeout(90_000);
  beforeAll(buildCli, 60_000);
  const folder = folderPerTest('support-lib-exit-policy-');

  async function both(extra: readonly string[], cwd: string): Promise<{ run: number; serve: number; runErr: string; serveErr: string }> {
    const env = cleanEnv();
    const run = await capstan(['run', ...extra, '--image', 'capstan-test/busybox:1', '--', 'true'], { cwd, env });
    const serve = await capstan(['serve', ...extra, '--no-auth', '--host', '127.0.0.1', '--port', '0'], { cwd, env });
    return { run: run.code, serve: serve.code, runErr: run.stderr, serveErr: serve.stderr };
  }

  it('a configuration file that cannot be read: both exit 78 (config)', async () => {
    const result = await both(['--config', join(folder(), 'missing.yaml')], folder());
    expect(result).toMatchObject({ run: ExitCode.InvalidConfig, serve: ExitCode.InvalidConfig });
    expect(result.serveErr).toContain('missing.yaml');
  });

  it('hostile: a configuration file that is not YAML, or names an unknown backend: both give the same code', async () => {
    const broken = join(folder(), 'broken.yaml');
    await writeFile(broken, 'backend: [unclosed\n');
    const syntax = await both(['--config', broken], folder());
    expect(syntax.serve).toBe(syntax.run);
    expect(syntax.run).toBe(ExitCode.InvalidConfig);
    const unknown = join(folder(), 'unknown.yaml');
    await writeFile(unknown, 'backend: no-such-backend-support-lib\n');
    const backend = await both(['--config', unknown], folder());
    expect(backend.serve).toBe(backend.run);
    // Before one table, serve exited 70 (internal) here while run exited 64.
    expect(backend.run).toBe(ExitCode.Usage);
    const flag = await both(['--backend', 'no-such-backend-support-lib'], folder());
    expect(flag).toMatchObject({ run: ExitCode.Usage, serve: ExitCode.Usage });
  });
});
