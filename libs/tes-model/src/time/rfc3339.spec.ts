import { CapstanError } from '@capstan/core-constraints';
import fc from 'fast-check';
import { formatRfc3339, isRfc3339, parseRfc3339, rfc3339Schema } from './rfc3339';

describe('RFC 3339 date-times', () => {
  it.each<[string, string]>([
    ['2020-10-02T10:00:00-05:00', '2020-10-02T15:00:00.000Z'],
    ['2020-10-02T15:00:00Z', '2020-10-02T15:00:00.000Z'],
    ['2020-10-02t15:00:00z', '2020-10-02T15:00:00.000Z'],
    ['2020-10-02T15:00:00.123456789Z', '2020-10-02T15:00:00.123Z'],
    ['2020-10-02T15:00:00.5+01:30', '2020-10-02T13:30:00.500Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['2000-02-29T00:00:00Z', '2000-02-29T00:00:00.000Z'],
    ['2016-12-31T23:59:60Z', '2017-01-01T00:00:00.000Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'],
  ])('reads %s as %s', (text, iso) => {
    expect(isRfc3339(text)).toBe(true);
    expect(parseRfc3339(text).toISOString()).toBe(iso);
  });

  it.each([
    '2020-10-02',
    '2020-10-02 15:00:00Z',
    '2020-10-02T15:00:00',
    '2020-10-02T15:00Z',
    '2020-13-02T15:00:00Z',
    '2020-00-02T15:00:00Z',
    '2023-02-29T00:00:00Z',
    '1900-02-29T00:00:00Z',
    '2020-04-31T00:00:00Z',
    '2020-10-02T24:00:00Z',
    '2020-10-02T23:60:00Z',
    '2020-10-02T23:59:61Z',
    '2020-10-02T15:00:00+0500',
    '2020-10-02T15:00:00+24:00',
    '2020-10-02T15:00:00.Z',
    ' 2020-10-02T15:00:00Z',
    '',
  ])('refuses %j', (text) => {
    expect(isRfc3339(text)).toBe(false);
    expect(() => parseRfc3339(text)).toThrow(CapstanError);
  });

  it('says how to write one', () => {
    expect(() => parseRfc3339('yesterday')).toThrow('"yesterday" is not an RFC 3339 date-time; write it like "2020-10-02T10:00:00-05:00"');
  });

  it('writes UTC with milliseconds, and reads back what it writes', () => {
    expect(formatRfc3339(new Date(Date.UTC(2020, 9, 2, 15, 0, 0, 7)))).toBe('2020-10-02T15:00:00.007Z');
    fc.assert(
      fc.property(fc.date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }), (date) => {
        const text = formatRfc3339(date);
        expect(isRfc3339(text)).toBe(true);
        expect(parseRfc3339(text).getTime()).toBe(date.getTime());
      }),
    );
  });

  it('refuses to write an invalid date or a year RFC 3339 cannot hold', () => {
    expect(() => formatRfc3339(new Date(Number.NaN))).toThrow('an invalid Date cannot be written');
    expect(() => formatRfc3339(new Date('+010000-01-01T00:00:00Z'))).toThrow('outside the years 0000 to 9999');
    expect(() => formatRfc3339(new Date('-000001-12-31T23:59:59.999Z'))).toThrow('outside the years 0000 to 9999');
    expect(formatRfc3339(new Date('9999-12-31T23:59:59.999Z'))).toBe('9999-12-31T23:59:59.999Z');
    expect(formatRfc3339(new Date('0000-01-01T00:00:00.000Z'))).toBe('0000-01-01T00:00:00.000Z');
  });

  it('is a zod schema for timestamp fields', () => {
    expect(rfc3339Schema.safeParse('2020-10-02T10:00:00-05:00').success).toBe(true);
    expect(rfc3339Schema.safeParse('2020-10-02').success).toBe(false);
    expect(rfc3339Schema.safeParse(5).success).toBe(false);
  });
});
