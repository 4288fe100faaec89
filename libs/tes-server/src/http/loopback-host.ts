import { isIPv4, isIPv6 } from 'node:net';

/**
 * Whether `host` names this machine's loopback interface only: `localhost`, 127.0.0.0/8, `::1`, or 127.0.0.0/8 as an
 * IPv4-mapped IPv6 address (`::ffff:127.0.0.1`). Square brackets around an IPv6 address are allowed. Other names are
 * not resolved: a name that happens to point at 127.0.0.1 today may not tomorrow.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.trim().replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost') return true;
  if (isIPv4(bare)) return bare.startsWith('127.');
  if (!isIPv6(bare)) return false;
  if (bare === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(bare)) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
  return mapped?.[1] !== undefined && isIPv4(mapped[1]) && mapped[1].startsWith('127.');
}

/**
 * The host part of a Host header: `[::1]:8000` -> `::1`, `localhost:8000` -> `localhost`. Anything that is not a
 * host with an optional numeric port comes back whole, so that it fails the loopback test.
 */
export function hostOfHeader(header: string): string {
  const bracketed = /^\[([^\]]*)\](?::\d*)?$/.exec(header);
  if (bracketed?.[1] !== undefined) return bracketed[1];
  const withPort = /^([^:]*):\d*$/.exec(header);
  return withPort?.[1] ?? header;
}
