import { type ExecutionRequest } from '@capstan/core-constraints';
import { attemptPaths, testRequest } from '@capstan/support/testing';
import { buildPodmanContainerSpec, MIN_PODMAN_MEMORY_BYTES } from './container-spec';

const MIB = 1024 * 1024;

function request(constraints: Partial<ExecutionRequest['constraints']> = {}): ExecutionRequest {
  return testRequest({
    paths: attemptPaths('/a'),
    inputs: [{ hostPath: '/data/in.txt', guestPath: '/mnt/task/inputs/in.txt', type: 'file' }],
    env: { A: '1' },
    constraints: { cpu: 1, memory: 64 * MIB, disks: { '/': 1 }, containers: [], ...constraints },
    labels: { 'io.capstan.managed': 'true' },
  });
}

const options = { memoryLimit: 'request', pidsLimit: 4096, network: 'bridge', init: true, capDrop: ['MKNOD', 'NET_RAW'] as string[], logCopy: 'auto', logCopyMaxBytes: MIB } as const;

describe('buildPodmanContainerSpec', () => {
  it('lays the attempt out as the docker backend does, with Podman’s own keys said explicitly', () => {
    const spec = buildPodmanContainerSpec({ request: request(), image: 'localhost/x:1', options, user: undefined, userns: 'keep-id', disks: [{ mountPoint: '/scratch', hostPath: '/a/disks/scratch' }] });
    expect(spec).toMatchObject({
      name: 't-1',
      Image: 'localhost/x:1',
      Entrypoint: [],
      Cmd: ['sh', '/mnt/task/command'],
      WorkingDir: '/mnt/task/work',
      Env: ['A=1'],
      HostConfig: {
        Binds: ['/a/work:/mnt/task/work:rw', '/a/command:/mnt/task/command:ro', '/data/in.txt:/mnt/task/inputs/in.txt:ro', '/a/disks/scratch:/scratch:rw'],
        Memory: 64 * MIB,
        MemorySwap: 64 * MIB,
        PidsLimit: 4096,
        UsernsMode: 'keep-id',
        Init: true,
        LogConfig: { Type: 'none', Config: {} },
      },
    });
    expect(spec.User).toBeUndefined();
    expect(spec.HostConfig?.DeviceRequests).toBeUndefined();
  });

  it('asks for no pids limit with -1 (left out, Podman would apply its own 2048)', () => {
    const spec = buildPodmanContainerSpec({ request: request(), image: 'i', options: { ...options, pidsLimit: null }, user: '1000:1000', userns: undefined, disks: [] });
    expect(spec.HostConfig?.PidsLimit).toBe(-1);
    expect(spec.HostConfig?.UsernsMode).toBeUndefined();
    expect(spec.User).toBe('1000:1000');
  });

  it('raises a tiny memory limit to the smallest Podman accepts', () => {
    const spec = buildPodmanContainerSpec({ request: request({ memory: 1024 }), image: 'i', options, user: undefined, userns: undefined, disks: [] });
    expect(spec.HostConfig?.Memory).toBe(MIN_PODMAN_MEMORY_BYTES);
  });

  it('refuses a task that needs a GPU', () => {
    expect(() => buildPodmanContainerSpec({ request: request({ gpu: 1 }), image: 'i', options, user: undefined, userns: undefined, disks: [] })).toThrow(
      expect.objectContaining({ code: 'resource.accelerator_unavailable' }),
    );
  });

  it('keeps a bounded copy of the output only for an attempt a later process may take over (logCopy auto), or as configured', () => {
    const logOf = (reattachable: boolean, logCopy: 'auto' | 'always' | 'never') =>
      buildPodmanContainerSpec({ request: { ...request(), reattachable }, image: 'i', options: { ...options, logCopy }, user: undefined, userns: undefined, disks: [] }).HostConfig?.LogConfig;
    expect(logOf(true, 'auto')).toEqual({ Type: 'k8s-file', Config: { 'max-size': '1048576' } });
    expect(logOf(false, 'auto')).toEqual({ Type: 'none', Config: {} });
    expect(logOf(false, 'always')).toEqual({ Type: 'k8s-file', Config: { 'max-size': '1048576' } });
    expect(logOf(true, 'never')).toEqual({ Type: 'none', Config: {} });
  });
});
