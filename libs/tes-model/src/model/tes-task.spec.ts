import { tesTaskInViewSchema, tesTaskSchema } from './tes-task';

const executor = { image: 'ubuntu:20.04', command: ['/bin/md5', '/data/file1'] };

describe('tesTask', () => {
  it('reads a full task as a server returns it', () => {
    const task = {
      id: 'job-0012345',
      state: 'COMPLETE',
      name: 'md5',
      description: 'checksum',
      inputs: [{ url: 's3://my-object-store/file1', path: '/data/file1', type: 'FILE' }],
      outputs: [{ path: '/data/outfile', url: 's3://my-object-store/outfile-1', type: 'FILE' }],
      resources: { cpu_cores: 4, backend_parameters_strict: false },
      executors: [executor],
      volumes: ['/vol/A/'],
      tags: { WORKFLOW_ID: 'cwl-01234', PROJECT_GROUP: 'alice-lab' },
      logs: [{ logs: [{ exit_code: 0 }], outputs: [] }],
      creation_time: '2020-10-02T10:00:00-05:00',
    };
    expect(tesTaskSchema.parse(task)).toEqual(task);
  });

  it('requires only executors; a missing state is UNKNOWN, the spec\'s default', () => {
    expect(tesTaskSchema.parse({ executors: [executor] })).toEqual({ state: 'UNKNOWN', executors: [executor] });
  });

  it.each([{}, { executors: {} }, { executors: [executor], state: 'DONE' }, { executors: [executor], creation_time: '2020-10-02' }, { executors: [executor], tags: { a: 1 } }])(
    'refuses %j',
    (value) => {
      expect(tesTaskSchema.safeParse(value).success).toBe(false);
    },
  );

  it('reads a MINIMAL view, which has no executors, with the view schema', () => {
    expect(tesTaskSchema.safeParse({ id: 'a', state: 'RUNNING' }).success).toBe(false);
    expect(tesTaskInViewSchema.parse({ id: 'a', state: 'RUNNING' })).toEqual({ id: 'a', state: 'RUNNING' });
  });
});
