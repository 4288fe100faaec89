import { bearerTokenOf, PrincipalTokens, seededHash } from './bearer-tokens';

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

  it('refuses a wrong token of the same length, also right after the right one was accepted', () => {
    expect(tokens.find('first-token-0123456789')).toEqual({ name: 'alice', admin: false });
    expect(tokens.find('first-token-0123456788')).toBeUndefined();
    expect(tokens.find('xirst-token-0123456789')).toBeUndefined();
    expect(tokens.find('first-token-0123456789')).toEqual({ name: 'alice', admin: false });
  });

  it('refuses a candidate that shares a known token\'s fast hash, and finds tokens whose fast hashes collide', () => {
    // Every string hashes alike: each lookup meets a known token's bytes first, and must not take them for a match.
    const colliding = new PrincipalTokens(
      [
        { name: 'alice', token: 'first-token-0123456789', admin: false },
        { name: 'root', token: 'second-token-0123456789', admin: true },
      ],
      () => 7,
    );
    expect(colliding.find('first-token-0123456789')).toEqual({ name: 'alice', admin: false });
    expect(colliding.find('second-token-0123456789')).toEqual({ name: 'root', admin: true });
    for (const wrong of ['first-token-0123456788', 'second-token-0123456788', 'first-token-012345678', '', 'é'.repeat(11)]) expect(colliding.find(wrong)).toBeUndefined();
  });

  it('refuses, after a restart without it, a token it accepted before (tokens are read at start)', () => {
    const before = new PrincipalTokens([{ name: 'alice', token: 'first-token-0123456789', admin: false }]);
    expect(before.find('first-token-0123456789')).toEqual({ name: 'alice', admin: false });
    const after = new PrincipalTokens([{ name: 'alice', token: 'rotated-token-0123456789', admin: false }]);
    expect(after.find('first-token-0123456789')).toBeUndefined();
    expect(after.find('rotated-token-0123456789')).toEqual({ name: 'alice', admin: false });
  });

  it('hashes with a seed: the same text differs between seeds', () => {
    const texts = ['first-token-0123456789', 'second-token-0123456789', ''];
    expect(texts.map(seededHash(1))).not.toEqual(texts.map(seededHash(2)));
    expect(seededHash(1)('abc')).toBe(seededHash(1)('abc'));
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
