import { canceledBeforeStart } from './canceled-before-start';

describe('canceledBeforeStart', () => {
  it('ends without an exit code, canceled, saying what had not happened yet', () => {
    const before = Date.now();
    const result = canceledBeforeStart('the container started');
    expect(result).toMatchObject({ exitCode: null, endReason: 'canceled', message: 'canceled before the container started' });
    expect(result.startedAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(result.endedAt.getTime()).toBeGreaterThanOrEqual(result.startedAt.getTime());
  });

  it('keeps the given start, so the attempt\'s time counts from its submission', () => {
    const submittedAt = new Date(Date.now() - 5_000);
    const result = canceledBeforeStart('the job was submitted', submittedAt);
    expect(result.startedAt).toBe(submittedAt);
    expect(result.endedAt.getTime() - submittedAt.getTime()).toBeGreaterThanOrEqual(5_000);
  });
});
