import { type ExecutionRequest, parseContainerSource } from '@capstan/core-constraints';
import { testRequest } from '@capstan/support/testing';
import { validateCreateTask } from '@capstan/tes-model';
import { testConstraints } from '../testing/attempt-fixture';
import { hostPathToUrl } from './host-url';
import { toGb, toTesTask } from './task-mapping';

function request(overrides: Partial<ExecutionRequest> = {}): ExecutionRequest {
  return testRequest({
    runId: 'run-1',
    taskName: 'align',
    attemptName: 'align-abcdefabcdef',
    attempt: 2,
    shell: 'bash',
    constraints: testConstraints(),
    labels: { 'io.capstan.run-id': 'run-1' },
    ...overrides,
  });
}

const context = { command: 'echo hi\n', tags: { 'io.capstan.tes-client': 'instance-1' }, urlOf: (path: string) => hostPathToUrl(path) };

describe('toTesTask', () => {
  it('lays one attempt out as one task with one executor, with the command inline and file:// URLs back to the attempt folder', () => {
    const task = toTesTask(
      request({
        env: { A: '1' },
        inputs: [
          { hostPath: '/data/ref.fa', guestPath: '/mnt/task/inputs/ref.fa', type: 'file' },
          { hostPath: '/data/shared dir', guestPath: '/shared', type: 'directory', writable: true },
        ],
      }),
      context,
    );
    expect(task).toEqual({
      name: 'align-abcdefabcdef',
      description: 'Capstan run run-1, task align, attempt 2',
      executors: [{ image: 'capstan-test/busybox:1', command: ['bash', '/mnt/tes-task/command'], workdir: '/mnt/tes-task/work', stdout: '/mnt/tes-task/stdout', stderr: '/mnt/tes-task/stderr', env: { A: '1' } }],
      inputs: [
        { name: 'command', path: '/mnt/tes-task/command', content: 'echo hi\n', type: 'FILE' },
        { name: 'work', path: '/mnt/tes-task/work', url: 'file:///w/a/1/work', type: 'DIRECTORY' },
        { path: '/mnt/task/inputs/ref.fa', url: 'file:///data/ref.fa', type: 'FILE' },
        { path: '/shared', url: 'file:///data/shared%20dir', type: 'DIRECTORY' },
      ],
      outputs: [
        { name: 'work', path: '/mnt/tes-task/work', url: 'file:///w/a/1/work', type: 'DIRECTORY' },
        { name: 'stdout', path: '/mnt/tes-task/stdout', url: 'file:///w/a/1/stdout', type: 'FILE' },
        { name: 'stderr', path: '/mnt/tes-task/stderr', url: 'file:///w/a/1/stderr', type: 'FILE' },
        { path: '/shared', url: 'file:///data/shared%20dir', type: 'DIRECTORY' },
      ],
      resources: { cpu_cores: 1, ram_gb: 2.148, disk_gb: 1.074, backend_parameters_strict: false },
      tags: { 'io.capstan.run-id': 'run-1', 'io.capstan.tes-client': 'instance-1' },
    });
  });

  it('builds a task the TES validation accepts', () => {
    const task = toTesTask(request({ inputs: [{ hostPath: '/data/x', guestPath: '/in/x', type: 'file' }], constraints: testConstraints({ disks: { '/': 10 ** 9, '/scratch': 5 * 10 ** 9 } }) }), context);
    expect(() => validateCreateTask(task)).not.toThrow();
  });

  it.each([
    [0.25, 1],
    [1, 1],
    [1.5, 2],
    [4, 4],
  ])('rounds cpu %s up to %s whole cores', (cpu, cores) => {
    expect(toTesTask(request({ constraints: testConstraints({ cpu }) }), context).resources.cpu_cores).toBe(cores);
  });

  it('turns every disk mount but the root into a volume and asks for the sum of all disks', () => {
    const task = toTesTask(request({ constraints: testConstraints({ disks: { '/': 10 ** 9, '/scratch': 5 * 10 ** 9, '/a': 10 ** 9 } }) }), context);
    expect(task.volumes).toEqual(['/a', '/scratch']);
    expect(task.resources.disk_gb).toBe(7);
  });

  it('leaves env out when the task has none, and sends a lone newline for an empty command file', () => {
    const task = toTesTask(request(), { ...context, command: '' });
    expect(task.executors[0]).not.toHaveProperty('env');
    expect(task.inputs[0]).toMatchObject({ content: '\n' });
  });

  it('keeps the request labels under the backend\'s own tags', () => {
    const task = toTesTask(request({ labels: { 'io.capstan.tes-client': 'forged', 'io.capstan.task': 'align' } }), context);
    expect(task.tags).toEqual({ 'io.capstan.tes-client': 'instance-1', 'io.capstan.task': 'align' });
  });

  it('takes the first usable Docker candidate', () => {
    const containers = [parseContainerSource('library://x/y'), parseContainerSource('docker://Bad:Ref'), parseContainerSource('ubuntu:22.04')];
    expect(toTesTask(request({ constraints: testConstraints({ containers }) }), context).executors[0]?.image).toBe('ubuntu:22.04');
  });

  it('refuses a task with no Docker image, naming the field', () => {
    expect(() => toTesTask(request({ constraints: testConstraints({ containers: [parseContainerSource('*')] }) }), context)).toThrow(
      expect.objectContaining({ code: 'container.none_usable', path: 'requirements.container' }),
    );
  });

  it('refuses GPUs, which TES 1.1 cannot ask for', () => {
    expect(() => toTesTask(request({ constraints: testConstraints({ gpu: 1 }) }), context)).toThrow(expect.objectContaining({ code: 'resource.accelerator_unavailable' }));
  });
});

describe('toGb', () => {
  it('converts bytes to decimal GB, rounded up to the megabyte', () => {
    expect(toGb(10 ** 9)).toBe(1);
    expect(toGb(2 * 1024 ** 3)).toBe(2.148);
    expect(toGb(1)).toBe(0.001);
  });
});
