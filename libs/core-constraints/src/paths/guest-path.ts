import { posix } from 'node:path';

/** What `posix.normalize` would change in an absolute path: `//`, a `.` or `..` segment, or a trailing `/`. */
const NOT_NORMAL = /\/\/|\/\.\.?(?:\/|$)|.\/$/;

/**
 * A container path as one key: normalised (`/data/./in/` and `/data/in` are one path) and without trailing slashes
 * (the root `/` stays `/`). An absolute path that is already normal (nearly every one a task names) is returned as it
 * is without going through `posix.normalize`: this runs several times for every path of every task a server takes.
 */
export function normaliseGuestPath(path: string): string {
  if (path.startsWith('/') && !NOT_NORMAL.test(path)) return path;
  return posix.normalize(path).replace(/(.)\/+$/, '$1');
}
