import { z } from 'zod';
import { checkedStringMap, emptyKeyProblem, stringMapSchema } from './string-map';

describe('string maps', () => {
  it('are objects of strings', () => {
    expect(stringMapSchema.parse({ a: 'x', b: '' })).toEqual({ a: 'x', b: '' });
    expect(stringMapSchema.safeParse({ a: 1 }).success).toBe(false);
    expect(stringMapSchema.safeParse(['x']).success).toBe(false);
  });

  const tags = checkedStringMap(emptyKeyProblem('tag'));
  const messageOf = (value: unknown): string | undefined => tags.safeParse(value).error?.issues[0]?.message;

  it('check their keys when read from a client', () => {
    expect(tags.parse({ a: 'x' })).toEqual({ a: 'x' });
    expect(messageOf({ a: 'x', '': 'y' })).toBe('has an empty key (with the value "y"); give every tag a name');
    expect(messageOf(JSON.parse('{"__proto__": "x"}'))).toBe('has the key "__proto__", which cannot be stored; rename it');
  });

  it('still check the values and the shape', () => {
    expect(tags.safeParse({ a: 1 }).success).toBe(false);
    expect(tags.safeParse('a=b').success).toBe(false);
    expect(tags.safeParse(null).success).toBe(false);
  });

  it('accept any key without a rule', () => {
    expect(checkedStringMap().parse({ '': 'x' })).toEqual({ '': 'x' });
    expect(z.object({ env: checkedStringMap() }).safeParse({ env: JSON.parse('{"__proto__": "x"}') }).success).toBe(false);
  });
});
