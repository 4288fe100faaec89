import { podmanCapabilities } from './podman-capabilities';

describe('podmanCapabilities', () => {
  it('enforces limits where the service has the cgroup controllers, and offers no GPUs', () => {
    expect(podmanCapabilities({ rootless: false, cgroupControllers: ['cpu', 'memory', 'pids'] })).toEqual({
      containerKinds: ['docker'],
      runsContainers: true,
      enforcesMemoryLimit: true,
      enforcesCpuLimit: true,
      gpus: false,
      readOnlyInputs: true,
      networkIsolation: true,
      runsAsInvokingUser: true,
      enforcesDiskSize: false,
      schedulesItself: false,
      usage: 'sampled',
    });
    // A rootless service on cgroup v1 has none: Podman ignores every limit there.
    expect(podmanCapabilities({ rootless: true, cgroupControllers: [] })).toMatchObject({ enforcesMemoryLimit: false, enforcesCpuLimit: false, usage: 'unavailable' });
    // Rootless on cgroup v2 with only memory and pids delegated.
    expect(podmanCapabilities({ rootless: true, cgroupControllers: ['memory', 'pids'] })).toMatchObject({ enforcesMemoryLimit: true, enforcesCpuLimit: false });
  });

  it('guesses from the host’s cgroup layout before the service has been asked', () => {
    expect(podmanCapabilities({ rootless: false, cgroupControllers: null }, () => false).enforcesMemoryLimit).toBe(true);
    expect(podmanCapabilities({ rootless: true, cgroupControllers: null }, () => false).enforcesMemoryLimit).toBe(false);
    expect(podmanCapabilities({ rootless: true, cgroupControllers: null }, () => true).enforcesMemoryLimit).toBe(true);
  });
});
