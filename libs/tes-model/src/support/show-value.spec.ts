import { listNames, showValue } from './show-value';

describe('showValue', () => {
  it.each<[unknown, string]>([
    [undefined, 'nothing'],
    [null, 'null'],
    ['data/x', '"data/x"'],
    [42, '42'],
    [true, 'true'],
    [['echo', 1], '["echo",1]'],
    [{ a: 'b' }, '{"a":"b"}'],
  ])('shows %j as %s', (value, shown) => {
    expect(showValue(value)).toBe(shown);
  });

  it('shortens long values to 80 characters', () => {
    const shown = showValue('x'.repeat(500));
    expect(shown).toHaveLength(80);
    expect(shown.endsWith('...')).toBe(true);
  });

  it('survives values JSON cannot show', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(showValue(cyclic)).toBe('a value of type object');
    expect(showValue(10n)).toBe('a value of type bigint');
    expect(showValue(() => 1)).toMatch(/=>/);
  });
});

describe('listNames', () => {
  it.each<[string[], string]>([
    [[], 'none'],
    [['a'], '"a"'],
    [['a', 'b'], '"a" and "b"'],
    [['a', 'b', 'c'], '"a", "b" and "c"'],
  ])('lists %j as %s', (names, text) => {
    expect(listNames(names)).toBe(text);
  });

  it('takes another conjunction', () => {
    expect(listNames(['a', 'b'], 'or')).toBe('"a" or "b"');
  });
});
