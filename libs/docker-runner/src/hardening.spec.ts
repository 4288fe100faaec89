import { HARDENING_PROBE_COMMAND, parseHardeningProbe } from '@capstan/backend-test-kit';
import { readFile } from 'node:fs/promises';
import { DockerBackend } from './docker-backend';
import { DockerTestRun } from './testing/docker-test-kit';

jest.setTimeout(60_000);

describe('DockerBackend: what a hostile task can reach (real daemon)', () => {
  const run = new DockerTestRun();
  beforeEach(() => run.setUp());
  afterEach(() => run.tearDown());

  async function probe(backend: DockerBackend): Promise<ReturnType<typeof parseHardeningProbe>> {
    const request = await run.request(backend, { command: HARDENING_PROBE_COMMAND });
    const { result } = await run.execute(backend, request);
    expect(result).toMatchObject({ exitCode: 0, endReason: 'exited' });
    return parseHardeningProbe(await readFile(request.paths.stdoutFile, 'utf8'));
  }

  it('drops MKNOD, NET_RAW, SETFCAP, AUDIT_WRITE and SYS_CHROOT, keeps no-new-privileges, and mounts no engine socket', async () => {
    const report = await probe(new DockerBackend({ graceSeconds: 1 }));
    expect([...report.capabilities].sort()).toEqual(['CHOWN', 'DAC_OVERRIDE']);
    expect(report.noNewPrivs).toBe(true);
    expect(report.mknod).toBe('refused');
    expect(report.sockets).toEqual([]);
  });

  it('keeps the engine default set when capDrop is [] (so the probe above can tell)', async () => {
    const report = await probe(new DockerBackend({ graceSeconds: 1, capDrop: [] }));
    expect(report.capabilities.has('MKNOD')).toBe(true);
    expect(report.mknod).toBe('made');
    expect(report.noNewPrivs).toBe(true);
  });
});
