import { isIP } from 'node:net';

/** A block of addresses, held as IPv6 (IPv4 as `::ffff:a.b.c.d`) so that one comparison serves both families. */
interface Block {
  readonly bytes: Uint8Array;
  readonly prefix: number;
  readonly text: string;
}

/**
 * Where a task-supplied URL must not lead by default: the host itself, its neighbours and the cloud's metadata
 * service are what a server-side request forgery reaches for. Public addresses are the only ones left open.
 */
const REFUSED: ReadonlyArray<readonly [string, string]> = [
  ['0.0.0.0/8', 'unspecified ("this network")'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'carrier-grade NAT (shared)'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local (cloud metadata 169.254.169.254)'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'IETF protocol assignments'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved (incl. broadcast 255.255.255.255)'],
  ['::/128', 'unspecified'],
  ['64:ff9b:1::/48', 'NAT64 local-use'],
  ['::1/128', 'loopback'],
  ['fc00::/7', 'unique-local'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'site-local'],
  ['ff00::/8', 'multicast'],
];

// Parsed on the first judgement, not at import: the first isIP() of a process compiles Node's IPv6 pattern (several ms),
// which every command that imports the transfer package paid, a run that fetches nothing included.
let refusedBlocks: ReadonlyArray<{ readonly block: Block; readonly rule: string }> | undefined;
const refused = () => (refusedBlocks ??= REFUSED.map(([cidr, rule]) => ({ block: parseBlock(cidr) as Block, rule })));

/** Decides which resolved addresses a transfer may connect to: the refused blocks above, minus the operator's allow-list. */
export class AddressPolicy {
  private readonly allowed: readonly Block[];

  /** `allow`: CIDRs (`10.1.0.0/16`, `::1/128`) or single addresses, already validated by `isAddressBlock`. */
  constructor(allow: readonly string[]) {
    this.allowed = allow.map((text) => parseBlock(text) as Block);
  }

  /** Why `address` (an IP literal) is refused, e.g. `loopback (127.0.0.0/8)`, or null when it may be used. */
  refusal(address: string): string | null {
    const bytes = parseAddress(address);
    if (bytes === null) return 'not an IP address';
    // Every address the packets may reach is judged: an IPv6 wrapper must not carry a refused IPv4 past the rules.
    for (const { bytes: seen, via } of reachedAddresses(bytes)) {
      if (this.allowed.some((block) => contains(block, seen))) continue;
      const hit = refused().find(({ block }) => contains(block, seen));
      if (hit !== undefined) return `${hit.rule} (${hit.block.text})${via}`;
    }
    return null;
  }
}

/** True for `a.b.c.d/n`, `x::y/n` or a single address: what an allow-list entry may be. */
export function isAddressBlock(text: string): boolean {
  return parseBlock(text) !== null;
}

/** The address inside URL host brackets (`[::1]` → `::1`), or null when the host is a name. */
export function ipLiteral(hostname: string): string | null {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  // Every IPv4 literal ends in a digit and every IPv6 one holds a colon; a name that does neither (nearly every host
  // a task names) needs no full test.
  const last = bare.charCodeAt(bare.length - 1);
  if (!(last >= 0x30 && last <= 0x39) && !bare.includes(':')) return null;
  return isIP(bare) === 0 ? null : bare;
}

function parseBlock(text: string): Block | null {
  const [address = '', prefixText, ...rest] = text.trim().split('/');
  const bytes = parseAddress(address);
  if (bytes === null || rest.length > 0) return null;
  const v4 = isIP(address) === 4;
  const width = v4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = prefixText === undefined ? width : Number(prefixText);
  if (prefix > width) return null;
  return { bytes, prefix: v4 ? prefix + 96 : prefix, text: `${address}/${prefix}` };
}

/** 16 bytes for an IPv4 (mapped) or IPv6 literal, or null. */
function parseAddress(text: string): Uint8Array | null {
  const family = isIP(text);
  if (family === 4) return Uint8Array.from([...new Array<number>(10).fill(0), 0xff, 0xff, ...text.split('.').map(Number)]);
  if (family !== 6) return null;
  let body = text.replace(/%.*$/, ''); // a zone (fe80::1%eth0) does not change which block the address is in
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(body)?.[1];
  if (tail !== undefined) {
    const [a, b, c, d] = tail.split('.').map(Number) as [number, number, number, number];
    body = `${body.slice(0, -tail.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = body.split('::');
  const groups = (part: string | undefined): number[] => (part === undefined || part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const first = groups(head);
  const last = groups(rest);
  const all = rest === undefined ? first : [...first, ...new Array<number>(8 - first.length - last.length).fill(0), ...last];
  return Uint8Array.from(all.flatMap((group) => [group >> 8, group & 0xff]));
}

/**
 * The addresses an IPv6 literal reaches, each judged on its own. IPv4-compatible `::a.b.c.d`, mapped and NAT64
 * `64:ff9b::a.b.c.d` are the IPv4 they carry (so `::127.0.0.1` meets the loopback rule; `::` and `::1` stay IPv6).
 * 6to4 `2002:AABB:CCDD::` is relayed to `A.B.C.D`, Teredo `2001:0:SSSS:SSSS:..:CCCC:CCCC` to its server `S` and its
 * client (the last 32 bits, inverted): both the wrapper and the IPv4 inside are judged, and either refused refuses.
 */
function reachedAddresses(bytes: Uint8Array): ReadonlyArray<{ bytes: Uint8Array; via: string }> {
  const zeros = (from: number, to: number): boolean => bytes.slice(from, to).every((byte) => byte === 0);
  const ipv4 = (four: Iterable<number>): Uint8Array => Uint8Array.from([...new Array<number>(10).fill(0), 0xff, 0xff, ...four]);
  const compatible = zeros(0, 12) && !zeros(12, 15);
  const nat64 = starts(bytes, [0x00, 0x64, 0xff, 0x9b]) && zeros(4, 12);
  if (compatible || nat64) return [{ bytes: ipv4(bytes.slice(12)), via: '' }];
  if (starts(bytes, [0x20, 0x02])) return [{ bytes, via: '' }, { bytes: ipv4(bytes.slice(2, 6)), via: ' inside a 6to4 address (2002::/16)' }];
  if (starts(bytes, [0x20, 0x01, 0x00, 0x00])) {
    return [
      { bytes, via: '' },
      { bytes: ipv4(bytes.slice(4, 8)), via: ' as the server of a Teredo address (2001::/32)' },
      { bytes: ipv4(bytes.slice(12).map((byte) => byte ^ 0xff)), via: ' as the client of a Teredo address (2001::/32)' },
    ];
  }
  return [{ bytes, via: '' }];
}

function starts(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((byte, index) => bytes[index] === byte);
}

function contains(block: Block, bytes: Uint8Array): boolean {
  for (let bit = 0; bit < block.prefix; bit += 1) {
    const mask = 0x80 >> bit % 8;
    const index = Math.floor(bit / 8);
    if (((block.bytes[index] ?? 0) & mask) !== ((bytes[index] ?? 0) & mask)) return false;
  }
  return true;
}
