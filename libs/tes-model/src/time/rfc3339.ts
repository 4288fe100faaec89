import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { z } from 'zod';

/**
 * RFC 3339 `date-time` (section 5.6): `2020-10-02T10:00:00-05:00`, `2020-10-02T15:00:00.123456Z`. `T` and `Z` may
 * be lower case; a leap second (`:60`) is allowed. The space some writers put for `T` (a note in the RFC, not its
 * grammar) is not.
 */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

interface DateTimeParts {
  readonly epochMs: number;
}

function readParts(text: string): DateTimeParts | undefined {
  const match = RFC3339.exec(text);
  if (match === null) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const fraction = match[7] ?? '';
  const offsetHours = Number(match[10] ?? 0);
  const offsetMinutes = Number(match[11] ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 60 || offsetHours > 23 || offsetMinutes > 59) return undefined;
  const millis = fraction === '' ? 0 : Math.floor(Number(`0${fraction}`) * 1000);
  const sign = match[9] === '-' ? -1 : 1;
  const offsetMs = match[8] === undefined ? sign * (offsetHours * 60 + offsetMinutes) * 60_000 : 0;
  // Not Date.UTC, which reads the years 0 to 99 as 1900 to 1999. Second 60 carries into the next minute, the usual
  // stand-in for a leap second.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  return { epochMs: date.getTime() - offsetMs };
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Whether `text` is an RFC 3339 date-time with a valid calendar date and time. */
export function isRfc3339(text: string): boolean {
  return readParts(text) !== undefined;
}

/** The instant an RFC 3339 date-time names (fractions below a millisecond are dropped). */
export function parseRfc3339(text: string): Date {
  const parts = readParts(text);
  if (parts === undefined) {
    throw new CapstanError(ErrorCode.InvalidValue, `${JSON.stringify(text)} is not an RFC 3339 date-time; write it like "2020-10-02T10:00:00-05:00" or "2020-10-02T15:00:00Z"`, {
      details: { value: text },
    });
  }
  return new Date(parts.epochMs);
}

/** `2020-10-02T15:00:00.000Z`: RFC 3339 in UTC with milliseconds, the form every timestamp Capstan writes takes. */
export function formatRfc3339(date: Date): string {
  if (Number.isNaN(date.getTime())) {
    throw new CapstanError(ErrorCode.InvalidValue, 'an invalid Date cannot be written as an RFC 3339 date-time; pass a valid Date');
  }
  const text = date.toISOString();
  // Years beyond 9999 (or before 0) come out as "+010000-..." from toISOString, which RFC 3339 (four-digit years)
  // cannot express; within them toISOString is RFC 3339 already (checked by the year, not by reading the text back:
  // every create writes one).
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) throw new CapstanError(ErrorCode.InvalidValue, `${text} is outside the years 0000 to 9999 that RFC 3339 can write`);
  return text;
}

/** A string field in RFC 3339 format (`creation_time`, `start_time`, `end_time`, `createdAt`). */
export const rfc3339Schema = z.string().refine(isRfc3339, {
  error: (issue) => `is ${JSON.stringify(issue.input)}, not an RFC 3339 date-time; write it like "2020-10-02T10:00:00-05:00"`,
});
