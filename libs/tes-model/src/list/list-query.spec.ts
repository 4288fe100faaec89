import { type CapstanError, ErrorCode } from '@capstan/core-constraints';
import { captureCapstanError } from '../testing/capture-capstan-error';
import { DEFAULT_PAGE_SIZE, type ListQuery, MAX_PAGE_SIZE, parseListQuery, type QueryParameters } from './list-query';
import { encodePageToken } from './page-token';

function queryError(query: QueryParameters): CapstanError {
  return captureCapstanError(() => parseListQuery(query));
}

const defaults: ListQuery = {
  pageSize: 256,
  pageToken: undefined,
  cursor: undefined,
  namePrefix: undefined,
  state: undefined,
  tags: {},
  view: 'MINIMAL',
};

describe('parseListQuery', () => {
  it('has the spec\'s defaults', () => {
    expect(DEFAULT_PAGE_SIZE).toBe(256);
    expect(MAX_PAGE_SIZE).toBe(2047);
    expect(parseListQuery({})).toEqual(defaults);
    expect(parseListQuery({ page_size: '', page_token: '', name_prefix: '', state: '', view: '', tag_key: [], tag_value: [] })).toEqual(defaults);
  });

  it('reads every parameter', () => {
    const token = encodePageToken({ after: '01ARYZ6S41TSV4RRFFQ69G5FAV' });
    expect(
      parseListQuery({ page_size: '10', page_token: token, name_prefix: 'align', state: 'RUNNING', tag_key: ['foo', 'baz'], tag_value: ['bar', 'bat'], view: 'BASIC', other: 'x' }),
    ).toEqual({
      pageSize: 10,
      pageToken: token,
      cursor: { after: '01ARYZ6S41TSV4RRFFQ69G5FAV' },
      namePrefix: 'align',
      state: 'RUNNING',
      tags: { foo: 'bar', baz: 'bat' },
      view: 'BASIC',
    });
  });

  it.each<[string, number]>([
    ['1', 1],
    ['256', 256],
    ['2047', 2047],
    ['007', 7],
  ])('reads page_size %s as %d', (text, size) => {
    expect(parseListQuery({ page_size: text }).pageSize).toBe(size);
    expect(parseListQuery({ page_size: [text] }).pageSize).toBe(size);
  });

  it.each<[QueryParameters, Record<string, string>]>([
    // The examples in the spec's description of tag_key.
    [{ tag_key: ['foo1', 'foo2'], tag_value: ['bar1', 'bar2'] }, { foo1: 'bar1', foo2: 'bar2' }],
    [{ tag_key: 'foo1' }, { foo1: '' }],
    [{ tag_key: ['foo1', 'foo2'], tag_value: 'bar1' }, { foo1: 'bar1', foo2: '' }],
    [{ tag_key: 'foo', tag_value: '' }, { foo: '' }],
    [{ tag_key: ['foo', 'foo'], tag_value: ['bar', 'bar'] }, { foo: 'bar' }],
    [{ tag_key: ['foo', 'foo'], tag_value: ['', 'bar'] }, { foo: 'bar' }],
    [{ tag_key: ['foo', 'foo'], tag_value: ['bar'] }, { foo: 'bar' }],
  ])('zips the tags of %j into %j', (query, tags) => {
    expect(parseListQuery(query).tags).toEqual(tags);
  });

  it.each<[string, QueryParameters, string, string]>([
    ['a page_size of 0', { page_size: '0' }, 'page_size', 'page_size is 0; ask for 1 to 2047 tasks (the spec allows fewer than 2048), or leave page_size out for 256'],
    ['a page_size of 2048', { page_size: '2048' }, 'page_size', 'page_size is 2048, too large; ask for 1 to 2047 tasks (the spec allows fewer than 2048), or leave page_size out for 256, and follow next_page_token for more'],
    ['a huge page_size', { page_size: '99999999999999999999' }, 'page_size', 'page_size is 99999999999999999999, too large'],
    ['a negative page_size', { page_size: '-5' }, 'page_size', 'page_size is "-5", not a whole number'],
    ['a fractional page_size', { page_size: '2.5' }, 'page_size', 'page_size is "2.5", not a whole number'],
    ['a word for page_size', { page_size: 'all' }, 'page_size', 'page_size is "all", not a whole number'],
    ['page_size twice', { page_size: ['1', '2'] }, 'page_size', 'page_size is given 2 times ("1", "2"); give it once'],
    ['an unknown state', { state: 'DONE' }, 'state', 'state is "DONE", not a TES state; use one of "UNKNOWN", "QUEUED"'],
    ['a lower-case state', { state: 'running' }, 'state', 'not a TES state; use one of "UNKNOWN", "QUEUED", "INITIALIZING", "RUNNING", "PAUSED", "COMPLETE", "EXECUTOR_ERROR", "SYSTEM_ERROR", "CANCELED", "PREEMPTED" or "CANCELING"; states are upper case: RUNNING'],
    ['more tag values than keys', { tag_key: 'a', tag_value: ['1', '2'] }, 'tag_value', 'tag_value is given 2 times but tag_key only once; each tag_value pairs with the tag_key at the same position'],
    ['tag values without keys', { tag_value: '1' }, 'tag_value', 'tag_value is given once but tag_key only 0 times'],
    ['an empty tag key', { tag_key: ['a', ''] }, 'tag_key', 'tag_key is empty (at position 2); give the name of the tag to filter on'],
    ['one key with two values', { tag_key: ['a', 'a'], tag_value: ['1', '2'] }, 'tag_value', 'tag_value asks tag "a" to be both "1" and "2", which no task can match'],
    ['a bad page token', { page_token: 'nope!' }, 'page_token', 'page_token is "nope!", which is not a token this server issued'],
    ['a bad view', { view: 'ALL' }, 'view', 'view is "ALL", not one of'],
    ['name_prefix twice', { name_prefix: ['a', 'b'] }, 'name_prefix', 'name_prefix is given 2 times'],
  ])('refuses %s', (_case, query, path, message) => {
    const error = queryError(query);
    expect(error.code).toBe(ErrorCode.TesInvalidQuery);
    expect(error.path).toBe(path);
    expect(error.message).toContain(message);
  });
});
