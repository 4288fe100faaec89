import { type Constraints, type ExecutionRequest } from '@capstan/core-constraints';
import { memoryLimitBytes } from '@capstan/docker-api/internal';
import { testRequest } from '@capstan/support/testing';
import { buildContainerSpec, MIN_DOCKER_MEMORY_BYTES } from './container-spec';

const MIB = 1024 * 1024;
const request = (constraints: Partial<Constraints> = {}): ExecutionRequest =>
  testRequest({
    attemptName: 't-abc',
    shell: 'bash',
    inputs: [{ hostPath: '/data/x.fq', guestPath: '/mnt/task/inputs/x.fq', type: 'file' }],
    env: { A: '1', B: 'two words' },
    constraints,
    labels: { 'io.capstan.run-id': 'r' },
  });
const options = { memoryLimit: 'request', pidsLimit: 4096, network: 'bridge', init: true, capDrop: ['MKNOD', 'NET_RAW'] as string[], logCopy: 'auto', logCopyMaxBytes: MIB } as const;

describe('buildContainerSpec', () => {
  it('lays out the container as the task contract says', () => {
    const spec = buildContainerSpec({ request: request(), image: 'img:1', options, user: '1000:1000', disks: [{ mountPoint: '/scratch', hostPath: '/w/a/1/disks/scratch' }] });
    expect(spec).toMatchObject({
      name: 't-abc',
      Image: 'img:1',
      Entrypoint: [],
      Cmd: ['bash', '/mnt/task/command'],
      WorkingDir: '/mnt/task/work',
      Env: ['A=1', 'B=two words'],
      Labels: { 'io.capstan.run-id': 'r' },
      User: '1000:1000',
      Tty: false,
    });
    expect(spec.HostConfig).toMatchObject({
      Binds: ['/w/a/1/work:/mnt/task/work:rw', '/w/a/1/command:/mnt/task/command:ro', '/data/x.fq:/mnt/task/inputs/x.fq:ro', '/w/a/1/disks/scratch:/scratch:rw'],
      NetworkMode: 'bridge',
      Privileged: false,
      SecurityOpt: ['no-new-privileges'],
      CapDrop: ['MKNOD', 'NET_RAW'],
      PidsLimit: 4096,
      Init: true,
      LogConfig: { Type: 'none', Config: {} },
    });
    expect(spec.HostConfig?.DeviceRequests).toBeUndefined();
    expect(spec.HostConfig?.NanoCpus).toBeUndefined();
  });

  it('keeps the engine default capabilities when capDrop is empty', () => {
    const host = buildContainerSpec({ request: request(), image: 'i', options: { ...options, capDrop: [] }, user: undefined, disks: [] }).HostConfig;
    expect(host?.CapDrop).toBeUndefined();
  });

  it('makes the memory request the hard limit by default, with no swap beyond it, and shares for the cpu request', () => {
    const host = buildContainerSpec({ request: request(), image: 'i', options, user: undefined, disks: [] }).HostConfig;
    expect(host).toMatchObject({ Memory: 512 * MIB, MemorySwap: 512 * MIB, MemoryReservation: 512 * MIB, CpuShares: 2048 });
  });

  it('uses max_memory and max_cpu as the limits', () => {
    const host = buildContainerSpec({ request: request({ memoryLimit: 1024 * MIB, cpuLimit: 1.5, cpu: 0.25 }), image: 'i', options, user: undefined, disks: [] }).HostConfig;
    expect(host).toMatchObject({ Memory: 1024 * MIB, MemorySwap: 1024 * MIB, MemoryReservation: 512 * MIB, NanoCpus: 1_500_000_000, CpuShares: 256 });
  });

  it('leaves memory unlimited under memoryLimit none, the request only reserved', () => {
    const host = buildContainerSpec({ request: request(), image: 'i', options: { ...options, memoryLimit: 'none' }, user: undefined, disks: [] }).HostConfig;
    expect(host).toMatchObject({ Memory: 0, MemorySwap: 0, MemoryReservation: 512 * MIB });
  });

  it('raises a limit below what Docker accepts, and keeps shares above the kernel minimum', () => {
    expect(memoryLimitBytes(request({ memory: MIB }), 'request')).toBe(MIN_DOCKER_MEMORY_BYTES);
    const host = buildContainerSpec({ request: request({ memory: MIB, cpu: 0.001 }), image: 'i', options, user: undefined, disks: [] }).HostConfig;
    expect(host).toMatchObject({ Memory: MIN_DOCKER_MEMORY_BYTES, MemoryReservation: MIB, CpuShares: 2 });
  });

  it('asks for GPUs with a device request, and drops the pids limit when it is null', () => {
    const host = buildContainerSpec({ request: request({ gpu: 2 }), image: 'i', options: { ...options, pidsLimit: null, network: 'none' }, user: undefined, disks: [] }).HostConfig;
    expect(host?.DeviceRequests).toEqual([{ Driver: '', Count: 2, Capabilities: [['gpu']] }]);
    expect(host?.PidsLimit).toBeUndefined();
    expect(host?.NetworkMode).toBe('none');
  });

  it('keeps a bounded copy of the output only for an attempt a later process may take over (logCopy auto), or as configured', () => {
    const logOf = (reattachable: boolean, logCopy: 'auto' | 'always' | 'never') =>
      buildContainerSpec({ request: { ...request(), reattachable }, image: 'i', options: { ...options, logCopy }, user: undefined, disks: [] }).HostConfig?.LogConfig;
    expect(logOf(true, 'auto')).toEqual({ Type: 'local', Config: { 'max-size': '524288', 'max-file': '2' } });
    expect(logOf(false, 'auto')).toEqual({ Type: 'none', Config: {} });
    expect(logOf(false, 'always')).toEqual({ Type: 'local', Config: { 'max-size': '524288', 'max-file': '2' } });
    expect(logOf(true, 'never')).toEqual({ Type: 'none', Config: {} });
  });
});
