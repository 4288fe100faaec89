import { posix } from 'node:path';
import { normaliseGuestPath } from './guest-path';

/** The definition the fast path must agree with. */
function slow(path: string): string {
  return posix.normalize(path).replace(/(.)\/+$/, '$1');
}

describe('normaliseGuestPath', () => {
  it.each([
    ['/data/in/file1', '/data/in/file1'],
    ['/', '/'],
    ['//', '/'],
    ['/data//in', '/data/in'],
    ['/data/./in', '/data/in'],
    ['/data/../in', '/in'],
    ['/data/in/', '/data/in'],
    ['/data/in//', '/data/in'],
    ['/data/in/.', '/data/in'],
    ['/data/in/..', '/data'],
    ['/..', '/'],
    ['/data/.hidden/..x/...', '/data/.hidden/..x/...'],
    ['relative/./path/', 'relative/path'],
    ['./x', 'x'],
    ['', '.'],
  ])('%j is %j', (path, expected) => {
    expect(normaliseGuestPath(path)).toBe(expected);
    expect(normaliseGuestPath(path)).toBe(slow(path));
  });

  it('agrees with posix.normalize on every path of up to four segments drawn from the tricky ones', () => {
    const parts = ['', '.', '..', '...', 'a', '.a', 'a.'];
    const paths: string[] = [];
    const build = (prefix: string, depth: number): void => {
      paths.push(prefix, `${prefix}/`);
      if (depth === 0) return;
      for (const part of parts) build(`${prefix}/${part}`, depth - 1);
    };
    build('', 4);
    for (const path of paths) expect([path, normaliseGuestPath(path)]).toEqual([path, slow(path)]);
    expect(paths.length).toBeGreaterThan(5000);
  });
});
