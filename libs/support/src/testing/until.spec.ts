import { until } from './until';

describe('until', () => {
  it('resolves once the condition holds, sync or async', async () => {
    let calls = 0;
    await until(() => ++calls >= 3);
    expect(calls).toBe(3);
    await expect(until(async () => Promise.resolve(true))).resolves.toBeUndefined();
  });

  it('rejects naming what it waited for and how long, without waiting much past the limit', async () => {
    const started = Date.now();
    await expect(until(() => false, 30, 'the server listening')).rejects.toThrow('the server listening: not within 30 ms');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('fault: a condition that throws rejects with its error', async () => {
    await expect(until(() => { throw new Error('probe broke'); })).rejects.toThrow('probe broke');
  });
});
