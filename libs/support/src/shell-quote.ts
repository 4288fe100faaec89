import { CapstanError, ErrorCode } from '@capstan/core-constraints';

const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * One word for a POSIX shell: left bare when it holds only characters no shell treats specially, else single-quoted
 * with each `'` written as `'\''`. Anything but NUL survives exactly; NUL is refused, because the shell would cut the
 * word there and run something other than what was asked.
 */
export function shellQuote(word: string): string {
  if (word.includes('\0')) {
    throw new CapstanError(ErrorCode.InvalidValue, `${JSON.stringify(word)} cannot be passed to a shell: it holds a NUL byte; remove it`, {
      details: { value: word },
    });
  }
  return PLAIN_WORD.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
