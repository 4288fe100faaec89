import { z } from 'zod';
import { optional, withDefault } from './optional-field';

describe('optional fields', () => {
  const schema = z.object({ name: optional(z.string()), type: withDefault(z.enum(['FILE', 'DIRECTORY']), 'FILE') });

  it.each<[unknown, unknown]>([
    [{}, { type: 'FILE' }],
    [{ name: null, type: null }, { type: 'FILE' }],
    [{ name: 'x', type: 'DIRECTORY' }, { name: 'x', type: 'DIRECTORY' }],
  ])('read %j as %j (null is "not given")', (value, parsed) => {
    expect(schema.parse(value)).toEqual(parsed);
  });

  it('never hold null', () => {
    expect(schema.parse({ name: null }).name).toBeUndefined();
  });

  it.each([{ name: 1 }, { type: 'LINK' }, { type: '' }])('still check the type of %j', (value) => {
    expect(schema.safeParse(value).success).toBe(false);
  });
});
