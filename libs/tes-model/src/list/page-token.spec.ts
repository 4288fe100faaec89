import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import fc from 'fast-check';
import { newTaskId } from '../ids/task-id';
import { decodePageToken, encodePageToken } from './page-token';

describe('page tokens', () => {
  it('are base64url of a versioned cursor', () => {
    const token = encodePageToken({ after: '01ARYZ6S41TSV4RRFFQ69G5FAV' });
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(JSON.parse(Buffer.from(token, 'base64url').toString())).toEqual({ v: 1, after: '01ARYZ6S41TSV4RRFFQ69G5FAV' });
    expect(decodePageToken(token)).toEqual({ after: '01ARYZ6S41TSV4RRFFQ69G5FAV' });
  });

  it('round-trip any key', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 128, unit: 'binary' }), (after) => {
        expect(decodePageToken(encodePageToken({ after }))).toEqual({ after });
      }),
    );
    const id = newTaskId();
    expect(decodePageToken(encodePageToken({ after: id }))).toEqual({ after: id });
  });

  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

  it.each<[string, string]>([
    ['empty', ''],
    ['not base64url', 'abc+/='],
    ['with padding', `${encodePageToken({ after: 'x' })}=`],
    ['not JSON', Buffer.from('hello').toString('base64url')],
    ['another version', encode({ v: 2, after: 'x' })],
    ['no key', encode({ v: 1 })],
    ['an empty key', encode({ v: 1, after: '' })],
    ['a key that is too long', encode({ v: 1, after: 'x'.repeat(257) })],
    ['extra fields', encode({ v: 1, after: 'x', offset: 10 })],
    ['a number', encode(5)],
    ['a trailing stray character', `${encodePageToken({ after: 'x' })}A`],
    ['far too long', 'A'.repeat(2000)],
  ])('refuse a token that is %s', (_case, token) => {
    expect(() => decodePageToken(token)).toThrow(CapstanError);
    expect(() => decodePageToken(token)).toThrow(
      expect.objectContaining({
        code: ErrorCode.TesInvalidQuery,
        path: 'page_token',
        message: expect.stringContaining('which is not a token this server issued; leave page_token out to start from the first page'),
      }),
    );
  });
});
