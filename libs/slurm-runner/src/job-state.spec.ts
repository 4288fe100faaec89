import { decodeExitStatus, endReasonOfState, isRunning, isTerminal, parseSqueue, parseSlurmTime } from './job-state';

describe('parseSqueue', () => {
  it('reads the fields of each job, the reason being the rest of the line', () => {
    const output = [
      '2|OUT_OF_MEMORY|253|2026-11-22T21:11:52|2026-11-22T21:11:53|OutOfMemory',
      '3|TIMEOUT|15|2026-11-22T21:11:52|2026-11-22T21:13:16|TimeLimit',
      '7|PENDING|0|N/A|N/A|launch failed requeued held',
      '8|FAILED|768|2026-11-22T21:11:48|2026-11-22T21:11:48|NonZeroExitCode|odd',
      'garbage line',
      '',
    ].join('\n');
    const jobs = parseSqueue(output);
    expect([...jobs.keys()]).toEqual(['2', '3', '7', '8']);
    expect(jobs.get('2')).toEqual({ id: '2', state: 'OUT_OF_MEMORY', exitStatus: 253, startTime: new Date('2026-11-22T21:11:52'), endTime: new Date('2026-11-22T21:11:53'), reason: 'OutOfMemory' });
    expect(jobs.get('7')).toMatchObject({ state: 'PENDING', startTime: null, endTime: null, reason: 'launch failed requeued held' });
    expect(jobs.get('8')?.reason).toBe('NonZeroExitCode|odd');
  });

  it('reads no job from an empty answer', () => {
    expect(parseSqueue('').size).toBe(0);
  });
});

describe('decodeExitStatus', () => {
  it('gives the exit code of a normal end and 128 + the signal of a killed script', () => {
    expect(decodeExitStatus(0)).toBe(0);
    expect(decodeExitStatus(3 << 8)).toBe(3);
    expect(decodeExitStatus(137 << 8)).toBe(137);
    expect(decodeExitStatus(9)).toBe(137);
    expect(decodeExitStatus(15)).toBe(143);
    expect(decodeExitStatus(null)).toBeNull();
  });
});

describe('job states', () => {
  it('maps final states to end reasons', () => {
    expect(endReasonOfState('COMPLETED')).toBe('exited');
    expect(endReasonOfState('FAILED')).toBe('exited');
    expect(endReasonOfState('OUT_OF_MEMORY')).toBe('oom');
    expect(endReasonOfState('TIMEOUT')).toBe('timeout');
    expect(endReasonOfState('DEADLINE')).toBe('timeout');
    expect(endReasonOfState('PREEMPTED')).toBe('preempted');
    expect(endReasonOfState('NODE_FAIL')).toBe('lost');
    expect(endReasonOfState('BOOT_FAIL')).toBe('lost');
    expect(endReasonOfState('CANCELLED')).toBe('canceled');
    expect(endReasonOfState('WHATEVER')).toBe('error');
  });

  it('does not take COMPLETING for an end: processes may still run', () => {
    expect(isTerminal('COMPLETING')).toBe(false);
    expect(isRunning('COMPLETING')).toBe(true);
    expect(isTerminal('PENDING')).toBe(false);
    expect(isRunning('PENDING')).toBe(false);
    expect(isTerminal('CANCELLED')).toBe(true);
  });

  it('reads Slurm times and refuses the placeholders', () => {
    expect(parseSlurmTime('2026-01-02T03:04:05')).toEqual(new Date('2026-01-02T03:04:05'));
    expect(parseSlurmTime('N/A')).toBeNull();
    expect(parseSlurmTime('Unknown')).toBeNull();
  });
});
