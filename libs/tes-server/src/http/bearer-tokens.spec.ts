import { BearerTokens, bearerTokenOf } from './bearer-tokens';

describe('BearerTokens', () => {
  const tokens = new BearerTokens(['first-token-0123456789', 'second-token-0123456789']);

  it.each([
    ['the first token', 'first-token-0123456789', true],
    ['the second token', 'second-token-0123456789', true],
    ['a prefix', 'first-token-012345678', false],
    ['a longer string', 'first-token-01234567890', false],
    ['another case', 'FIRST-TOKEN-0123456789', false],
    ['the empty string', '', false],
  ])('%s: %s', (_label, candidate, accepted) => {
    expect(tokens.accepts(candidate)).toBe(accepted);
  });

  it('accepts nothing when it knows no token', () => {
    expect(new BearerTokens([]).accepts('')).toBe(false);
  });
});

describe('bearerTokenOf', () => {
  it.each<[string | undefined, string | undefined]>([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['BEARER  abc ', 'abc'],
    ['Basic abc', undefined],
    ['Bearer', undefined],
    ['Bearer a b', undefined],
    ['abc', undefined],
    [undefined, undefined],
  ])('%j -> %j', (header, token) => {
    expect(bearerTokenOf(header)).toBe(token);
  });
});
