import { HARDENING_PROBE_COMMAND, parseHardeningProbe } from '@capstan/backend-test-kit';
import { readFile } from 'node:fs/promises';
import { PodmanBackend } from './podman-backend';
import { PodmanTestRun, ROOTFUL_SOCKET } from './testing/podman-test-kit';

jest.setTimeout(60_000);

describe('PodmanBackend: what a hostile task can reach (real rootful service)', () => {
  const run = new PodmanTestRun();
  beforeEach(() => run.setUp());
  afterEach(() => run.tearDown());

  async function probe(backend: PodmanBackend): Promise<ReturnType<typeof parseHardeningProbe>> {
    const request = await run.request(backend, { command: HARDENING_PROBE_COMMAND });
    const { result } = await run.execute(backend, request);
    expect(result).toMatchObject({ exitCode: 0, endReason: 'exited' });
    return parseHardeningProbe(await readFile(request.paths.stdoutFile, 'utf8'));
  }

  it('drops MKNOD, NET_RAW, SETFCAP, AUDIT_WRITE and SYS_CHROOT, keeps no-new-privileges, and mounts no engine socket', async () => {
    const report = await probe(new PodmanBackend({ socketPath: ROOTFUL_SOCKET, graceSeconds: 1 }));
    expect([...report.capabilities].sort()).toEqual(['CHOWN', 'DAC_OVERRIDE']);
    expect(report.noNewPrivs).toBe(true);
    expect(report.mknod).toBe('refused');
    expect(report.sockets).toEqual([]);
  });

  // Podman's own default set (containers.conf default_capabilities) already lacks MKNOD, NET_RAW and AUDIT_WRITE.
  it('keeps the engine default set when capDrop is [] (so the probe above can tell)', async () => {
    const report = await probe(new PodmanBackend({ socketPath: ROOTFUL_SOCKET, graceSeconds: 1, capDrop: [] }));
    expect(report.capabilities.has('SYS_CHROOT')).toBe(true);
    expect(report.capabilities.has('SETFCAP')).toBe(true);
    expect(report.noNewPrivs).toBe(true);
  });
});
