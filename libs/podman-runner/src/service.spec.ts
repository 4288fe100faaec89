import { PodmanBackend } from './podman-backend';
import { ROOTFUL_SOCKET } from './testing/podman-test-kit';

jest.setTimeout(30_000);

describe('PodmanBackend and its service (real rootful service)', () => {
  it('finds the rootful socket by default as root, and probes the service through Podman’s own API', async () => {
    const backend = new PodmanBackend({}, { PATH: process.env['PATH'] ?? '' }, { invoking: { uid: 0, gid: 0 } });
    expect(backend.client.endpoint.description).toBe(`unix://${ROOTFUL_SOCKET}`);
    const probe = await backend.probe();
    expect(probe).toMatchObject({ available: true, problems: [], version: expect.stringMatching(/^Podman \d+\.\d+\.\d+ \(rootful\)$/) });
    expect(probe.details).toMatchObject({
      endpoint: `unix://${ROOTFUL_SOCKET}`,
      rootless: false,
      serviceUid: 0,
      cpus: expect.any(Number),
      gpus: 0,
      ociRuntime: 'runc',
      // tools/engines/podman.sh starts conmon in the bundle folder, so Podman 4.x reports OOM kills
      oomReported: true,
      userns: 'default',
      shortNames: 'refuse',
    });
  });

  it('gives the service’s cpus and memory as its capacity, and no GPUs', async () => {
    const capacity = await new PodmanBackend({ socketPath: ROOTFUL_SOCKET }).capacity();
    expect(capacity.total.cpu).toBeGreaterThan(0);
    expect(capacity.total.memory).toBeGreaterThan(256 * 1024 * 1024);
    expect(capacity.total.gpu).toBe(0);
    expect(capacity.perTaskMax).toEqual(capacity.total);
    expect(capacity.containerKinds).toEqual(['docker']);
  });

  it('says what it enforces, from the service once asked: a rootful service has every controller', async () => {
    const backend = new PodmanBackend({ socketPath: ROOTFUL_SOCKET });
    await backend.capacity();
    expect(backend.capabilities).toMatchObject({ enforcesMemoryLimit: true, enforcesCpuLimit: true, gpus: false, runsAsInvokingUser: true, containerKinds: ['docker'] });
  });

  it('refuses a Docker daemon: it answers the Docker API but is not Podman', async () => {
    const probe = await new PodmanBackend({ socketPath: '/var/run/docker.sock' }).probe();
    expect(probe.available).toBe(false);
    expect(probe.problems[0]).toMatch(/answers the Docker API but not Podman's .*it is not a Podman service/);
    await expect(new PodmanBackend({ socketPath: '/var/run/docker.sock' }).capacity()).rejects.toMatchObject({ code: 'backend.unavailable' });
  });

  it('says how to start a service when none answers', async () => {
    const down = new PodmanBackend({ socketPath: '/tmp/no-podman.sock' });
    const error = await down.capacity().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'backend.unavailable', message: expect.stringContaining('no Podman daemon answers at unix:///tmp/no-podman.sock') });
    expect((error as Error).message).toMatch(/podman system service --time=0.*CONTAINER_HOST/);
    expect((await down.probe()).available).toBe(false);
  });

  it('refuses userns keep-id with a rootful service, naming the field', async () => {
    const probe = await new PodmanBackend({ socketPath: ROOTFUL_SOCKET, userns: 'keep-id' }).probe();
    expect(probe.available).toBe(false);
    expect(probe.problems[0]).toContain("userns is keep-id, but the service at unix:///run/podman/podman.sock is rootful");
  });
});
