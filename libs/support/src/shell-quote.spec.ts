import { execFileSync } from 'node:child_process';
import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { shellQuote } from './shell-quote';

describe('shellQuote', () => {
  it('leaves plain words bare and quotes the rest', () => {
    expect(shellQuote('/mnt/task/in.txt')).toBe('/mnt/task/in.txt');
    expect(shellQuote('')).toBe("''");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });

  it('hands hostile words to a real shell unchanged, running nothing of them', () => {
    const hostile = ['$(touch /tmp/support-lib-pwned)', '`id`', "'; rm -rf / #", 'a\nb', '*', '~root', '$HOME', '-n', 'x\\y', ' lead', 'é ✓'];
    const line = `printf '%s\\0' ${hostile.map(shellQuote).join(' ')}`;
    const out = execFileSync('/bin/sh', ['-c', line], { encoding: 'utf8' });
    expect(out.split('\0').slice(0, -1)).toEqual(hostile);
  });

  it('refuses a NUL byte, which a shell would cut the word at', () => {
    expect(() => shellQuote('a\0b')).toThrow(CapstanError);
    try {
      shellQuote('a\0b');
    } catch (error) {
      expect((error as CapstanError).code).toBe(ErrorCode.InvalidValue);
    }
  });
});
