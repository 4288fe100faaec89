import { CapstanError } from '@capstan/core-constraints';
import fc from 'fast-check';
import { isTaskId, newTaskId, TASK_ID_LENGTH, TaskIdGenerator, taskIdTime } from './task-id';

const zeros = (bytes: Uint8Array): void => {
  bytes.fill(0);
};

describe('task ids', () => {
  it('are 26 characters of Crockford base32 carrying their creation time', () => {
    const before = Date.now();
    const id = newTaskId();
    expect(id).toHaveLength(TASK_ID_LENGTH);
    expect(isTaskId(id)).toBe(true);
    expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(taskIdTime(id)).toBeGreaterThanOrEqual(before);
    expect(taskIdTime(id)).toBeLessThanOrEqual(Date.now());
  });

  it('draw fresh random bits for every millisecond, across refills of the random pool', () => {
    let now = 0;
    // The default source: 1,000 milliseconds take 10,000 random bytes, more than two refills of its 4 KiB pool.
    const generator = new TaskIdGenerator(() => (now += 1));
    const randomParts = Array.from({ length: 1000 }, () => generator.next().slice(10));
    expect(new Set(randomParts).size).toBe(1000);
    // Not a pool handed out twice nor left unfilled: no two consecutive parts share their first 8 characters (40 bits).
    expect(randomParts.some((part) => part === '0'.repeat(16))).toBe(false);
    expect(randomParts.every((part, index) => index === 0 || part.slice(0, 8) !== randomParts[index - 1]?.slice(0, 8))).toBe(true);
  });

  it('encode time and randomness like ULID', () => {
    const generator = new TaskIdGenerator(() => 1_469_918_176_385, (bytes) => bytes.fill(255));
    expect(generator.next()).toBe('01ARYZ6S41ZZZZZZZZZZZZZZZZ');
    expect(new TaskIdGenerator(() => 0, zeros).next()).toBe('0'.repeat(26));
    expect(new TaskIdGenerator(() => 2 ** 48 - 1, zeros).next()).toBe('7ZZZZZZZZZ0000000000000000');
  });

  it('spread 80 random bits over the 16 random characters', () => {
    const bytes = [0b10000100, 0b00110001, 0b01001100, 0b10000100, 0b00110001, 0, 0, 0, 0, 1];
    const generator = new TaskIdGenerator(() => 0, (target) => target.set(bytes));
    // 10000 10000 11000 10100 11001 00001 00001 10001 then zeros, ending in 00001.
    expect(generator.next().slice(10)).toBe('GGRMS11H00000001');
  });

  it('increase within one millisecond and when the clock steps back', () => {
    let now = 1_000;
    const generator = new TaskIdGenerator(() => now, zeros);
    const first = generator.next();
    const second = generator.next();
    now = 500;
    const third = generator.next();
    expect(first.endsWith('0000000000000000')).toBe(true);
    expect(second.endsWith('0000000000000001')).toBe(true);
    expect(third.endsWith('0000000000000002')).toBe(true);
    expect(taskIdTime(third)).toBe(1_000);
  });

  it('move the time on when the random part would overflow', () => {
    const generator = new TaskIdGenerator(() => 7, (bytes) => bytes.fill(255));
    const first = generator.next();
    const second = generator.next();
    expect(taskIdTime(first)).toBe(7);
    expect(taskIdTime(second)).toBe(8);
    expect(second > first).toBe(true);
  });

  it('always sort in the order they were made, whatever the clock does', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 48 - 1 }), { minLength: 2, maxLength: 50 }), (times) => {
        let index = 0;
        const generator = new TaskIdGenerator(() => times[index++ % times.length] ?? 0);
        const ids = times.map(() => generator.next());
        for (let i = 1; i < ids.length; i += 1) expect((ids[i] ?? '') > (ids[i - 1] ?? '')).toBe(true);
      }),
    );
  });

  it('are unique across many calls of the process-wide generator', () => {
    const ids = Array.from({ length: 10_000 }, () => newTaskId());
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('refuse a clock that is not a millisecond time', () => {
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 48]) {
      expect(() => new TaskIdGenerator(() => bad).next()).toThrow(CapstanError);
    }
  });

  it.each(['', 'abc', '01ARYZ6S41ZZZZZZZZZZZZZZZ', '81ARYZ6S41ZZZZZZZZZZZZZZZZ', '01ARYZ6S41ZZZZZZZZZZZZZZZU', '01aryz6s41zzzzzzzzzzzzzzzz'])(
    'recognise %j as not an id',
    (text) => {
      expect(isTaskId(text)).toBe(false);
      expect(() => taskIdTime(text)).toThrow('is not a task id');
    },
  );
});
