import { readPathPattern, suggestedPathPrefix } from './output-wildcards';

describe('output path patterns', () => {
  it.each<[string, boolean, string]>([
    ['/data/out.txt', false, '/data/out.txt'],
    ['/data/*.txt', true, '/data/'],
    ['/data/out?.txt', true, '/data/out'],
    ['/data/out[0-9].txt', true, '/data/out'],
    ['/data/a/b/**', true, '/data/a/b/'],
    ['/data/x*/y/*.txt', true, '/data/x'],
    ['/data/out[.txt', false, '/data/out[.txt'],
    ['/data/out[].txt', false, '/data/out[].txt'],
    ['/data/out[]].txt', true, '/data/out'],
    ['/data/lit\\*eral/*', true, '/data/lit*eral/'],
    ['/data/quoted\\?', false, '/data/quoted?'],
    ['/data/trailing\\', false, '/data/trailing\\'],
    ['*', true, ''],
  ])('%s: wildcards %s, literal head %j', (path, hasWildcards, literalHead) => {
    expect(readPathPattern(path)).toEqual({ hasWildcards, literalHead });
  });

  it.each<[string, string]>([
    ['/data/out', '/data/'],
    ['/data/', '/data/'],
    ['/', '/'],
    ['', '/'],
    ['/a/b/c', '/a/b/'],
  ])('suggests the directory of %j as path_prefix: %j', (head, prefix) => {
    expect(suggestedPathPrefix(head)).toBe(prefix);
  });
});
