import { execFileSync } from 'node:child_process';
import { ApptainerBackend } from './apptainer-backend';
import { escapeEnvValue, parseVersion, probeVersion, variablePrefixes } from './apptainer-cli';
import { makeRequest, makeTempDir, removeDir, run, TEST_CACHE_DIR } from './testing/test-kit';

describe('the CLI and its version', () => {
  it.each([
    ['apptainer version 1.4.5\n', { flavour: 'apptainer', version: '1.4.5', text: 'apptainer version 1.4.5' }],
    ['singularity-ce version 4.1.2-jammy\n', { flavour: 'singularity', version: '4.1.2-jammy', text: 'singularity-ce version 4.1.2-jammy' }],
    ['singularity version 3.8.7-1.el8\n', { flavour: 'singularity', version: '3.8.7-1.el8', text: 'singularity version 3.8.7-1.el8' }],
  ])('reads %j', (output, expected) => {
    expect(parseVersion(output)).toEqual(expected);
  });

  it('refuses what is neither Apptainer nor Singularity', () => {
    expect(parseVersion('docker version 20.10')).toBeNull();
    expect(parseVersion('')).toBeNull();
  });

  it('probes the installed apptainer, and its singularity name (the same program: Apptainer flavour)', async () => {
    const env = { PATH: process.env['PATH'] ?? '' };
    const installed = execFileSync('apptainer', ['--version'], { encoding: 'utf8' }).trim().split(' ').pop();
    await expect(probeVersion('apptainer', env)).resolves.toMatchObject({ flavour: 'apptainer', version: installed });
    await expect(probeVersion('singularity', env)).resolves.toMatchObject({ flavour: 'apptainer', version: installed });
  });

  it('says how to install it when the binary is missing', async () => {
    await expect(probeVersion('no-such-apptainer', { PATH: '/usr/bin:/bin' })).rejects.toThrow(/not found on PATH; install Apptainer .*tools\/engines\/apptainer\.sh/);
    const probe = await new ApptainerBackend({ cacheDir: TEST_CACHE_DIR, binary: 'no-such-apptainer' }).probe();
    expect(probe.available).toBe(false);
    expect(probe.problems.join()).toMatch(/not found on PATH/);
  });

  it('the backend probe reports the version, how root runs, and whether limits are enforced', async () => {
    const probe = await new ApptainerBackend({ cacheDir: TEST_CACHE_DIR, binary: 'singularity' }).probe();
    expect(probe).toMatchObject({ available: true, problems: [], version: expect.stringMatching(/^apptainer version /) });
    expect(probe.details).toMatchObject({ binary: 'singularity', flavour: 'apptainer', mksquashfs: true });
    if (process.getuid?.() === 0) expect(probe.details['rootMode']).toBe('--no-privs');
  });

  it('runs a task with binary: singularity', async () => {
    const dir = await makeTempDir('cli');
    try {
      const backend = new ApptainerBackend({ cacheDir: TEST_CACHE_DIR, binary: 'singularity' });
      const { result, stdout } = await run(backend, await makeRequest(backend, dir, { command: 'echo "$GREETING"', env: { GREETING: 'hello $USER' } }));
      expect(result.exitCode).toBe(0);
      expect(stdout).toBe('hello $USER\n');
    } finally {
      await removeDir(dir);
    }
  });

  it('uses each flavour’s own variable prefixes, and escapes what Apptainer would expand', () => {
    expect(variablePrefixes('apptainer')).toEqual({ env: 'APPTAINERENV_', dockerLogin: 'APPTAINER_DOCKER_' });
    expect(variablePrefixes('singularity')).toEqual({ env: 'SINGULARITYENV_', dockerLogin: 'SINGULARITY_DOCKER_' });
    expect(escapeEnvValue('a $B `c` \\d "e"')).toBe('a \\$B \\`c\\` \\\\d "e"');
  });
});
