import { assertUnderSharedRoot } from '../shared-root';
import { describeServiceEnd, type ServiceEnd } from './service-end';
import { type SwarmNode, type SwarmTask } from './swarm-api';
import { capacityFromNodes } from './swarm-capacity';
import { chooseExecutionMode } from './swarm-mode';

const GIB = 1024 ** 3;
const task = (state: string, error = '', exitCode: number | null = null): SwarmTask => ({
  id: 't1',
  serviceId: 's1',
  nodeId: 'n1',
  state,
  desiredState: 'running',
  error,
  exitCode,
  containerId: 'c'.repeat(64),
  timestamp: '2026-01-01T00:00:00Z',
});
const ended = (last: SwarmTask | null, stopReason?: 'canceled' | 'timeout'): ServiceEnd => ({ task: last, stopReason, startedAt: new Date(0) });
const context = { timeoutMs: 500, memoryLimit: 32 * 1024 * 1024, local: true };

describe('describeServiceEnd', () => {
  it.each([
    ['a complete task', ended(task('complete', '', 0)), false, { exitCode: 0, endReason: 'exited' }],
    ['a non-zero exit', ended(task('failed', 'task: non-zero exit (3)', 3)), false, { exitCode: 3, endReason: 'exited' }],
    ['an OOM kill seen on this node', ended(task('failed', 'task: non-zero exit (137)', 137)), true, { exitCode: 137, endReason: 'oom', message: expect.stringContaining('limit 32 MiB') }],
    ['a task that could not start', ended(task('failed', 'starting container failed: no such file', 128)), false, { endReason: 'error', message: 'the swarm could not run the task: starting container failed: no such file' }],
    ['a rejected task', ended(task('rejected', 'No such image: sha256:abc')), false, { exitCode: null, endReason: 'error', message: 'the swarm rejected the task: No such image: sha256:abc' }],
    ['a task of a node that left', ended(task('orphaned')), false, { endReason: 'lost', message: expect.stringContaining('node that ran the task (n1)') }],
    ['a service removed by someone else', ended(null), false, { exitCode: null, endReason: 'lost' }],
    ['Capstan’s cancel, whatever the task did', ended(task('shutdown', '', 143), 'canceled'), false, { exitCode: 143, endReason: 'canceled' }],
    ['Capstan’s timeout', ended(task('shutdown', '', 5), 'timeout'), false, { exitCode: 5, endReason: 'timeout', message: 'stopped after the timeout of 500 ms' }],
  ])('judges %s', (_what, end, oomKilled, expected) => {
    expect(describeServiceEnd(end, oomKilled, context)).toMatchObject(expected);
  });

  it('does not call a SIGKILL on another node an OOM kill, but says it cannot tell', () => {
    const result = describeServiceEnd(ended(task('failed', 'task: non-zero exit (137)', 137)), false, { ...context, local: false });
    expect(result).toMatchObject({ exitCode: 137, endReason: 'exited', message: expect.stringContaining('does not say whether it ran out of memory') });
  });
});

describe('capacityFromNodes', () => {
  const node = (id: string, cpus: number, memoryBytes: number, gpus = 0, schedulable = true): SwarmNode => ({ id, hostname: id, schedulable, cpus, memoryBytes, generic: gpus > 0 ? { 'NVIDIA-GPU': gpus } : {} });

  it('sums the usable nodes, and gives one task at most the largest node', () => {
    const capacity = capacityFromNodes([node('a', 8, 32 * GIB), node('b', 16, 64 * GIB, 2), node('c', 64, 256 * GIB, 0, false)], 'NVIDIA-GPU', ['docker']);
    expect(capacity).toEqual({ total: { cpu: 24, memory: 96 * GIB, gpu: 2 }, perTaskMax: { cpu: 16, memory: 64 * GIB, gpu: 2 }, fpga: 0, containerKinds: ['docker'] });
  });

  it('says so when no node can run tasks', () => {
    expect(() => capacityFromNodes([node('a', 8, GIB, 0, false)], 'NVIDIA-GPU', ['docker'])).toThrow(
      expect.objectContaining({ code: 'backend.unavailable', message: expect.stringContaining('the swarm has no node that can run tasks (1 node, none both ready and active)') }),
    );
  });
});

describe('chooseExecutionMode', () => {
  const manager = { localNodeState: 'active', manager: true, nodeId: 'n1' };
  const worker = { localNodeState: 'active', manager: false, nodeId: 'n2' };
  const alone = { localNodeState: 'inactive', manager: false, nodeId: '' };

  it('runs services only when asked and the daemon is a manager', () => {
    expect(chooseExecutionMode('off', manager, 'unix:///var/run/docker.sock')).toBe('containers');
    expect(chooseExecutionMode('auto', manager, 'unix:///var/run/docker.sock')).toBe('services');
    expect(chooseExecutionMode('auto', alone, 'unix:///var/run/docker.sock')).toBe('containers');
    expect(chooseExecutionMode('auto', worker, 'unix:///var/run/docker.sock')).toBe('containers');
    expect(chooseExecutionMode('on', manager, 'unix:///var/run/docker.sock')).toBe('services');
  });

  it('refuses swarm: on without a manager, naming the daemon, its state and the fixes', () => {
    expect(() => chooseExecutionMode('on', alone, 'unix:///var/run/docker.sock')).toThrow(
      expect.objectContaining({
        code: 'config.invalid',
        path: 'docker.swarm',
        message: expect.stringMatching(/^docker\.swarm is on but the daemon at unix:\/\/\/var\/run\/docker\.sock is not in a swarm \(its swarm state is inactive\); .*docker swarm init.*set docker\.swarm to auto or off$/),
      }),
    );
    expect(() => chooseExecutionMode('on', worker, 'tcp://10.0.0.2:2375')).toThrow(/is a swarm worker, and only managers can create services/);
  });
});

describe('assertUnderSharedRoot', () => {
  const binds = [
    { role: 'the work dir', path: '/shared/capstan/runs/r/t/attempts/1/work' },
    { role: 'input', path: '/shared/capstan/data/in.fq' },
  ];

  it('accepts binds under the shared root, and anything when there is none', () => {
    expect(() => assertUnderSharedRoot(binds, '/shared/capstan/')).not.toThrow();
    expect(() => assertUnderSharedRoot([{ role: 'input', path: '/home/me/x' }], undefined)).not.toThrow();
  });

  it('names the first bind outside it, the root and the fix', () => {
    expect(() => assertUnderSharedRoot([...binds, { role: 'input', path: '/home/me/reads.fq' }], '/shared/capstan')).toThrow(
      expect.objectContaining({
        code: 'config.invalid',
        path: 'docker.sharedRoot',
        message: expect.stringMatching(/^input \/home\/me\/reads\.fq is not under docker\.sharedRoot \/shared\/capstan, .*--work-root \/shared\/capstan\/runs/),
      }),
    );
    expect(() => assertUnderSharedRoot([{ role: 'input', path: '/shared/capstanx/in' }], '/shared/capstan')).toThrow(/not under docker\.sharedRoot/);
  });
});
