import fc from 'fast-check';
import { matchesNamePrefix } from './name-prefix';

describe('matchesNamePrefix', () => {
  it.each<[string | undefined, string | undefined, boolean]>([
    [undefined, 'align', true],
    [undefined, undefined, true],
    ['', 'align', true],
    ['', undefined, true],
    ['al', 'align', true],
    ['align', 'align', true],
    ['align-', 'align', false],
    ['lig', 'align', false],
    ['Al', 'align', false],
    ['al', 'Align', false],
    ['al', undefined, false],
    ['al', '', false],
  ])('prefix %j, name %j -> %s', (prefix, name, match) => {
    expect(matchesNamePrefix(prefix, name)).toBe(match);
  });

  it('matches exactly the names that start with the prefix', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (prefix, rest, other) => {
        expect(matchesNamePrefix(prefix, prefix + rest)).toBe(true);
        expect(matchesNamePrefix(prefix, other)).toBe(other.startsWith(prefix));
      }),
    );
  });
});
