import { join } from 'node:path';
import { buildCli, capstan, folderPerTest, startCapstan, until } from './testing/cli-harness';

/** The environment without a token, so that only the flags decide. */
function envWithoutToken(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env['CAPSTAN_API__AUTH__TOKEN'];
  delete env['CAPSTAN_API__AUTH__TOKENS'];
  return env;
}

describe('capstan serve start-up errors say what to do (the built CLI, the real server)', () => {
  jest.setTimeout(90_000);
  beforeAll(buildCli, 60_000);
  const folder = folderPerTest('cli-conventions-serve-');

  it('a port in use names the address, the port and --port', async () => {
    const first = startCapstan(['serve', '--no-auth', '--host', '127.0.0.1', '--port', '0', '--backend', 'docker', '--data-dir', join(folder(), 'first')], { env: envWithoutToken() });
    try {
      await until(() => /Capstan TES server on http:\/\/127\.0\.0\.1:\d+/.test(first.output().stderr), 60_000, 'the first server listening');
      const port = /127\.0\.0\.1:(\d+)/.exec(first.output().stderr)?.[1] ?? '';
      const second = await capstan(['serve', '--no-auth', '--host', '127.0.0.1', '--port', port, '--backend', 'docker', '--data-dir', join(folder(), 'second')], { env: envWithoutToken() });
      expect(second.code).toBe(69);
      expect(second.stderr).toBe(`capstan serve: 127.0.0.1 port ${port} is in use (another capstan serve?); choose another with --port N, or --port 0 to take a free one\n`);
    } finally {
      first.child.kill('SIGTERM');
      await first.exited;
    }
  });

  it('no token names --token-file, --token and --no-auth (and serves nothing)', async () => {
    const result = await capstan(['serve', '--host', '127.0.0.1', '--port', '0', '--backend', 'docker', '--data-dir', join(folder(), 'data')], { env: envWithoutToken() });
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(/^capstan serve: no token: clients must authenticate; give --token-file FILE .*, --token TOKEN or the variable CAPSTAN_API__AUTH__TOKEN .*, or --no-auth to serve without authentication on a loopback host\n$/);
    expect(result.stderr).not.toContain('Capstan TES server on');
  });

  it('hostile: an empty --token is refused for its length, not served as a token anyone could send', async () => {
    const result = await capstan(['serve', '--token', '', '--host', '127.0.0.1', '--port', '0', '--backend', 'docker', '--data-dir', join(folder(), 'data')], { env: envWithoutToken() });
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(/is 0 characters long, below the minimum of 16/);
    expect(result.stderr).not.toContain('Capstan TES server on');
  });
});
