import { tesTaskLogSchema } from './tes-task-log';

describe('tesTaskLog', () => {
  it('reads every field', () => {
    const log = {
      logs: [{ exit_code: 0 }],
      metadata: { host: 'worker-001', slurm_id: '123456' },
      start_time: '2020-10-02T10:00:00-05:00',
      end_time: '2020-10-02T11:00:00-05:00',
      outputs: [{ url: 's3://b/f', path: '/f', size_bytes: '1' }],
      system_logs: ['disk is full'],
    };
    expect(tesTaskLogSchema.parse(log)).toEqual(log);
  });

  it('reads missing logs and outputs as empty lists (protobuf JSON leaves them out)', () => {
    expect(tesTaskLogSchema.parse({})).toEqual({ logs: [], outputs: [] });
    expect(tesTaskLogSchema.parse({ logs: null, outputs: null })).toEqual({ logs: [], outputs: [] });
  });

  it.each([{ logs: {} }, { logs: [{}] }, { metadata: { slurm_id: 123456 } }, { system_logs: 'x' }, { end_time: 'yesterday' }])('refuses %j', (value) => {
    expect(tesTaskLogSchema.safeParse(value).success).toBe(false);
  });
});
