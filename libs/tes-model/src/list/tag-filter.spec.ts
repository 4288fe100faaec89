import { matchesTags } from './tag-filter';

describe('matchesTags', () => {
  // The table in the spec's description of tag_key, row by row.
  it.each<[Record<string, string>, Record<string, string>, boolean]>([
    [{ foo: 'bar' }, { foo: 'bar' }, true],
    [{ foo: 'bar' }, { foo: 'bat' }, false],
    [{ foo: '' }, { foo: '' }, true],
    [{ foo: 'bar', baz: 'bat' }, { foo: 'bar', baz: 'bat' }, true],
    [{ foo: 'bar' }, { foo: 'bar', baz: 'bat' }, true],
    [{ foo: 'bar', baz: 'bat' }, { foo: 'bar' }, false],
    [{ foo: '' }, { foo: 'bar' }, true],
    [{ foo: '' }, {}, false],
  ])('the spec\'s table: filter %j, tags %j -> %s', (filter, tags, match) => {
    expect(matchesTags(filter, tags)).toBe(match);
  });

  it.each<[Record<string, string>, Record<string, string> | undefined, boolean]>([
    [{}, {}, true],
    [{}, { foo: 'bar' }, true],
    [{}, undefined, true],
    [{ foo: '' }, undefined, false],
    [{ foo: 'bar' }, { foo: 'BAR' }, false],
    [{ Foo: 'bar' }, { foo: 'bar' }, false],
    [{ toString: '' }, {}, false],
    [{ foo: 'bar', baz: '' }, { foo: 'bar', baz: 'anything' }, true],
  ])('filter %j, tags %j -> %s', (filter, tags, match) => {
    expect(matchesTags(filter, tags)).toBe(match);
  });
});
