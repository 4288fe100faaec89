import { tesExecutorLogSchema } from './tes-executor-log';

describe('tesExecutorLog', () => {
  it('reads the spec\'s fields', () => {
    const log = { start_time: '2020-10-02T10:00:00-05:00', end_time: '2020-10-02T11:00:00-05:00', stdout: 'out', stderr: 'err', exit_code: 0 };
    expect(tesExecutorLogSchema.parse(log)).toEqual(log);
    expect(tesExecutorLogSchema.parse({ exit_code: -1 })).toEqual({ exit_code: -1 });
  });

  it.each([{}, { exit_code: '0' }, { exit_code: 1.5 }, { exit_code: 0, start_time: '10:00' }, { exit_code: 0, stdout: 1 }])('refuses %j (exit_code is required)', (value) => {
    expect(tesExecutorLogSchema.safeParse(value).success).toBe(false);
  });
});
