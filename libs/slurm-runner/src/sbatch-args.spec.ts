import { type ExecutionRequest } from '@capstan/core-constraints';
import { attemptPaths, testRequest } from '@capstan/support/testing';
import { buildSbatchArgs, parseSbatchOutput, timeLimitMinutes } from './sbatch-args';
import { parseSlurmBackendOptions } from './slurm-backend-options';

const request = (extra: Partial<ExecutionRequest['constraints']> = {}, timeoutMs?: number): ExecutionRequest =>
  testRequest({
    attemptName: 'align-7f3a',
    paths: { ...attemptPaths('/w/a/1'), stdoutFile: '/w/50%/1/stdout' },
    constraints: { cpu: 1.5, memory: 100 * 1024 * 1024 + 1, ...extra },
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });

describe('buildSbatchArgs', () => {
  it('asks for the task resources, names the job after the attempt and keeps Capstan flags after the configured ones', () => {
    const args = buildSbatchArgs({
      request: request({ gpu: 2, fpga: 1 }, 90_000),
      scriptPath: '/w/a/1/slurm/job.sh',
      partition: 'gpu',
      memoryBytes: 100 * 1024 * 1024 + 1,
      comment: 'capstan:io.capstan.managed=true',
      extraArgs: ['--account=lab', '--partition=ignored'],
    });
    expect(args).toEqual([
      '--parsable',
      '--account=lab',
      '--partition=ignored',
      '--job-name=align-7f3a',
      '--comment=capstan:io.capstan.managed=true',
      '--partition=gpu',
      '--nodes=1',
      '--ntasks=1',
      '--cpus-per-task=2',
      '--mem=101M',
      '--gres=gpu:2,fpga:1',
      '--time=3',
      '--output=/w/50%%/1/stdout',
      '--error=/w/a/1/stderr',
      '--open-mode=append',
      '--chdir=/w/a/1/work',
      '--export=ALL',
      '--no-requeue',
      '/w/a/1/slurm/job.sh',
    ]);
  });

  it('leaves out the partition, generic resources and time limit when there are none', () => {
    const args = buildSbatchArgs({ request: request(), scriptPath: '/s', partition: undefined, memoryBytes: 0, comment: 'capstan:', extraArgs: [] });
    expect(args.filter((arg) => /^--(partition|gres|time)=/.test(arg))).toEqual([]);
    expect(args).toContain('--mem=1M');
  });

  it('gives the time limit one whole minute above the timeout', () => {
    expect(timeLimitMinutes(1000)).toBe(2);
    expect(timeLimitMinutes(60_000)).toBe(2);
    expect(timeLimitMinutes(60_001)).toBe(3);
  });

  it('reads the job id sbatch --parsable prints', () => {
    expect(parseSbatchOutput('1234\n')).toBe('1234');
    expect(parseSbatchOutput('1234;cluster\n')).toBe('1234');
    expect(parseSbatchOutput('sbatch: error: oops')).toBeUndefined();
  });
});

describe('parseSlurmBackendOptions', () => {
  it('fills in every default', () => {
    expect(parseSlurmBackendOptions({})).toMatchObject({ runtime: 'apptainer', partitions: {}, maxConcurrentSubmits: 4, pollIntervalMs: 1000, graceSeconds: 3, network: 'default', clusterLimits: { memory: false, cpu: false } });
  });

  it('names the bad field and the fix', () => {
    expect(() => parseSlurmBackendOptions({ partitions: { gpu: 'a,b' } })).toThrow(expect.objectContaining({ code: 'config.invalid', path: 'slurm.partitions.gpu' }));
    expect(() => parseSlurmBackendOptions({ runtime: 'lxc' })).toThrow(expect.objectContaining({ code: 'config.invalid', path: 'slurm.runtime' }));
    expect(() => parseSlurmBackendOptions({ sbatchArgs: [''] })).toThrow(/is not a command-line argument/);
    expect(() => parseSlurmBackendOptions({ pollIntervalMs: 1 })).toThrow(expect.objectContaining({ path: 'slurm.pollIntervalMs' }));
    expect(() => parseSlurmBackendOptions({ nope: 1 })).toThrow(expect.objectContaining({ code: 'config.invalid' }));
  });
});
