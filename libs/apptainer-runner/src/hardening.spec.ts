import { HARDENING_PROBE_COMMAND, parseHardeningProbe } from '@capstan/backend-test-kit';
import { ApptainerBackend } from './apptainer-backend';
import { makeRequest, makeTempDir, removeDir, run, TEST_CACHE_DIR } from './testing/test-kit';

// As root (as the tests run), Apptainer's `--no-privs` (the default) leaves the task no capabilities at all;
// Apptainer itself sets no_new_privs for every container.
describe('ApptainerBackend: what a hostile task can reach (real apptainer)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await makeTempDir('hardening');
  });
  afterAll(() => removeDir(dir));

  it('gives a root task no capabilities, no-new-privileges, no device nodes and no engine socket', async () => {
    const backend = new ApptainerBackend({ cacheDir: TEST_CACHE_DIR, graceSeconds: 1, spares: 0 });
    const request = await makeRequest(backend, dir, { command: HARDENING_PROBE_COMMAND });
    const { result, stdout } = await run(backend, request);
    expect(result).toMatchObject({ exitCode: 0, endReason: 'exited' });
    const report = parseHardeningProbe(stdout);
    expect([...report.capabilities]).toEqual([]);
    expect(report.noNewPrivs).toBe(true);
    expect(report.mknod).toBe('refused');
    expect(report.sockets).toEqual([]);
  });
});
