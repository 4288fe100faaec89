import { type Constraints, type ExecutionRequest } from '@capstan/core-constraints';
import { attemptBinds } from '@capstan/docker-api/internal';
import { testRequest } from '@capstan/support/testing';
import { buildServiceSpec, type ServicePlan } from './service-spec';

const MIB = 1024 * 1024;
const request = (constraints: Partial<Constraints> = {}): ExecutionRequest =>
  testRequest({
    attemptName: 't-abc',
    shell: 'bash',
    inputs: [
      { hostPath: '/data/x.fq', guestPath: '/mnt/task/inputs/x.fq', type: 'file' },
      { hostPath: '/data/vol', guestPath: '/mnt/vol', type: 'directory', writable: true },
    ],
    env: { A: '1' },
    constraints,
    labels: { 'io.capstan.run-id': 'r' },
  });
const options = { memoryLimit: 'request', pidsLimit: 4096, network: 'bridge', init: true, graceSeconds: 10, swarmGpuResource: 'NVIDIA-GPU', swarmLogDriver: 'json-file', capDrop: ['MKNOD', 'CAP_NET_RAW'] as string[] } as const;
const plan = (overrides: Partial<ServicePlan> = {}): ServicePlan => {
  const base = request();
  return {
    request: base,
    image: 'sha256:abc',
    placement: ['node.id==n1'],
    mounts: attemptBinds(base.paths, base.inputs, [{ hostPath: '/w/a/1/disks/scratch', mountPoint: '/scratch' }]),
    user: '1000:1000',
    sessionLabels: { 'io.capstan.swarm-session': 's1' },
    options,
    ...overrides,
  };
};

describe('buildServiceSpec', () => {
  it('runs the attempt as one replica, never restarted, laid out like the plain container', () => {
    const spec = buildServiceSpec(plan());
    expect(spec).toMatchObject({
      Name: 't-abc',
      Labels: { 'io.capstan.run-id': 'r', 'io.capstan.swarm-session': 's1' },
      Mode: { Replicated: { Replicas: 1 } },
      TaskTemplate: {
        ContainerSpec: { Image: 'sha256:abc', Command: ['bash', '/mnt/task/command'], Dir: '/mnt/task/work', Env: ['A=1'], User: '1000:1000', Init: true, StopGracePeriod: 10e9 },
        RestartPolicy: { Condition: 'none', MaxAttempts: 0 },
        Placement: { Constraints: ['node.id==n1'] },
        LogDriver: { Name: 'json-file' },
      },
    });
    expect(spec.TaskTemplate.ContainerSpec.Mounts).toEqual([
      { Type: 'bind', Source: '/w/a/1/work', Target: '/mnt/task/work', ReadOnly: false },
      { Type: 'bind', Source: '/w/a/1/command', Target: '/mnt/task/command', ReadOnly: true },
      { Type: 'bind', Source: '/data/x.fq', Target: '/mnt/task/inputs/x.fq', ReadOnly: true },
      { Type: 'bind', Source: '/data/vol', Target: '/mnt/vol', ReadOnly: false },
      { Type: 'bind', Source: '/w/a/1/disks/scratch', Target: '/scratch', ReadOnly: false },
    ]);
    expect(spec.TaskTemplate.Networks).toBeUndefined();
    expect(spec.TaskTemplate.ContainerSpec.CapabilityDrop).toEqual(['CAP_MKNOD', 'CAP_NET_RAW']);
  });

  it('reserves the requests and limits as a plain container would (the request is the memory limit by default)', () => {
    expect(buildServiceSpec(plan()).TaskTemplate.Resources).toEqual({ Limits: { MemoryBytes: 512 * MIB, Pids: 4096 }, Reservations: { NanoCPUs: 2e9, MemoryBytes: 512 * MIB } });
    const hinted = request({ cpu: 0.5, cpuLimit: 1.5, memoryLimit: 1024 * MIB });
    expect(buildServiceSpec(plan({ request: hinted })).TaskTemplate.Resources).toEqual({
      Limits: { NanoCPUs: 1.5e9, MemoryBytes: 1024 * MIB, Pids: 4096 },
      Reservations: { NanoCPUs: 0.5e9, MemoryBytes: 512 * MIB },
    });
    const open = buildServiceSpec(plan({ options: { ...options, memoryLimit: 'none', pidsLimit: null } })).TaskTemplate.Resources;
    expect(open).toEqual({ Limits: {}, Reservations: { NanoCPUs: 2e9, MemoryBytes: 512 * MIB } });
  });

  it('asks the scheduler for GPUs as the configured generic resource', () => {
    const spec = buildServiceSpec(plan({ request: request({ gpu: 2 }), options: { ...options, swarmGpuResource: 'gpu' } }));
    expect(spec.TaskTemplate.Resources.Reservations.GenericResources).toEqual([{ DiscreteResourceSpec: { Kind: 'gpu', Value: 2 } }]);
  });

  it('joins host and named networks, and refuses none, which swarm services do not have', () => {
    expect(buildServiceSpec(plan({ options: { ...options, network: 'host' } })).TaskTemplate.Networks).toEqual([{ Target: 'host' }]);
    expect(buildServiceSpec(plan({ options: { ...options, network: 'capstan-overlay' } })).TaskTemplate.Networks).toEqual([{ Target: 'capstan-overlay' }]);
    expect(() => buildServiceSpec(plan({ options: { ...options, network: 'none' } }))).toThrow(
      expect.objectContaining({ code: 'config.invalid', path: 'docker.network', message: expect.stringContaining('network "none" is not available to swarm services') }),
    );
  });
});
