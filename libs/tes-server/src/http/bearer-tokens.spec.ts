import { bearerTokenOf, PrincipalTokens } from './bearer-tokens';

describe('PrincipalTokens', () => {
  const tokens = new PrincipalTokens([
    { name: 'alice', token: 'first-token-0123456789', admin: false },
    { name: 'root', token: 'second-token-0123456789', admin: true },
  ]);

  it.each([
    ['the first token', 'first-token-0123456789', { name: 'alice', admin: false }],
    ['the second token', 'second-token-0123456789', { name: 'root', admin: true }],
    ['a prefix', 'first-token-012345678', undefined],
    ['a longer string', 'first-token-01234567890', undefined],
    ['another case', 'FIRST-TOKEN-0123456789', undefined],
    ['the empty string', '', undefined],
  ])('%s: %s', (_label, candidate, principal) => {
    expect(tokens.find(candidate)).toEqual(principal);
  });

  it('finds nothing when it knows no token', () => {
    expect(new PrincipalTokens([]).find('')).toBeUndefined();
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
