import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { describeEnd, isConnectionLost, killedFromOutside, lostEnd } from './attempt-end';

describe('how an attempt ends', () => {
  const startedAt = new Date('2026-12-06T10:00:00Z');

  it('counts an unreachable daemon and a connection broken before the answer as lost, and nothing the daemon answered', () => {
    expect(isConnectionLost(new CapstanError(ErrorCode.BackendUnavailable, 'no Docker daemon answers'))).toBe(true);
    expect(isConnectionLost(new CapstanError(ErrorCode.BackendFailure, 'wait failed', { details: { statusCode: undefined, code: 'ECONNRESET' } }))).toBe(true);
    expect(isConnectionLost(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isConnectionLost(new CapstanError(ErrorCode.BackendFailure, 'server error', { details: { statusCode: 500, code: undefined } }))).toBe(false);
    expect(isConnectionLost(new CapstanError(ErrorCode.InvalidValue, 'bad'))).toBe(false);
    expect(isConnectionLost(new Error('anything else'))).toBe(false);
  });

  it('never gives a lost attempt an exit code, and names the container and what broke', () => {
    const result = lostEnd('wait', new Error('connect ENOENT /x.sock'), 'task-abc', undefined, startedAt);
    expect(result).toMatchObject({ exitCode: null, endReason: 'lost', startedAt });
    expect(result.message).toBe('lost the connection to the daemon: the wait of container task-abc failed, its exit status is unknown (connect ENOENT /x.sock)');
  });

  it('keeps a cancel asked for during the loss a cancel, still without an exit code', () => {
    expect(lostEnd('wait', new Error('gone'), 'task-abc', 'canceled', startedAt)).toMatchObject({ exitCode: null, endReason: 'canceled', message: expect.stringContaining('daemon was unreachable') });
  });

  it('does not pass a kill from outside off as the task exit status', () => {
    const result = killedFromOutside('task-abc', '9', 137, startedAt);
    expect(result).toMatchObject({ exitCode: null, endReason: 'lost' });
    expect(result.message).toContain("exit status 137 is not the task's own");
  });

  it('reads a reported exit as exited, oom only when the daemon says OOMKilled', () => {
    expect(describeEnd(137, false, undefined, { startedAt, memoryLimit: 0 })).toMatchObject({ exitCode: 137, endReason: 'exited' });
    expect(describeEnd(137, true, undefined, { startedAt, memoryLimit: 1024 })).toMatchObject({ endReason: 'oom', message: expect.stringContaining('1024 bytes') });
    expect(describeEnd(143, false, 'timeout', { startedAt, timeoutMs: 500, memoryLimit: 0 })).toMatchObject({ endReason: 'timeout', message: expect.stringContaining('500 ms') });
  });
});
