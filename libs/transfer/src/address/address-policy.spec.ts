import type * as Net from 'node:net';
import { AddressPolicy, ipLiteral, isAddressBlock } from './address-policy';

const closed = new AddressPolicy([]);

describe('AddressPolicy', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    // IPv4 inside IPv6: mapped, compatible (deprecated, still routed by some stacks), NAT64.
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::127.0.0.1', 'loopback'],
    ['::a9fe:a9fe', 'link-local'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['0:0:0:0:0:ffff:c0a8:0101', 'private'],
    ['::ffff:0a00:0001', 'private'],
    ['::10.0.0.1', 'private'],
    ['64:ff9b::127.0.0.1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['64:ff9b:1::7f00:1', 'NAT64 local-use'],
    // 6to4: 2002:AABB:CCDD:: is relayed to A.B.C.D
    ['2002:7f00:1::', 'loopback (127.0.0.0/8) inside a 6to4 address'],
    ['2002:7f00:0001:1234::5', 'loopback'],
    ['2002:a9fe:a9fe::', 'link-local (cloud metadata 169.254.169.254) (169.254.0.0/16) inside a 6to4'],
    ['2002:c0a8:0101::1', 'private (192.168.0.0/16) inside a 6to4'],
    ['2002:0a00:0001::', 'private'],
    // Teredo: 2001:0:SERVER:flags:port:CLIENT with the client's 32 bits inverted
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'loopback (127.0.0.0/8) as the client of a Teredo'],
    ['2001:0:4136:e378:8000:63bf:5601:5601', 'link-local (cloud metadata 169.254.169.254) (169.254.0.0/16) as the client of a Teredo'],
    ['2001:0:7f00:1::3f57:fefe', 'loopback (127.0.0.0/8) as the server of a Teredo'],
    ['2001:0000:0a00:0001::f7f7:f7f7', 'private'],
  ])('refuses %s as %s', (address, rule) => {
    expect(closed.refusal(address)).toContain(rule);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '100.128.0.1',
    '169.253.255.255',
    '2606:4700::1111',
    '::ffff:8.8.8.8',
    '64:ff9b::8.8.8.8',
    '2002:0808:0808::1',
    '2001:0:4136:e378:8000:63bf:f7f7:f7f7',
    '2001:4860:4860::8888',
  ])(
    'leaves the public address %s open',
    (address) => {
      expect(closed.refusal(address)).toBeNull();
    },
  );

  it('opens exactly the allowed blocks, in either IPv4 spelling', () => {
    const policy = new AddressPolicy(['127.0.0.1/32', '10.1.0.0/16', 'fd00::/8']);
    expect(policy.refusal('127.0.0.1')).toBeNull();
    expect(policy.refusal('::ffff:127.0.0.1')).toBeNull();
    expect(policy.refusal('127.0.0.2')).toContain('loopback');
    expect(policy.refusal('10.1.200.3')).toBeNull();
    expect(policy.refusal('10.2.0.1')).toContain('private');
    expect(policy.refusal('fd00::5')).toBeNull();
    expect(policy.refusal('::1')).toContain('loopback');
    expect(policy.refusal('169.254.169.254')).toContain('link-local');
  });

  it('opens a wrapped IPv4 only when the allow-list opens the IPv4 it reaches', () => {
    const policy = new AddressPolicy(['127.0.0.1/32']);
    expect(policy.refusal('2002:7f00:1::')).toBeNull();
    expect(policy.refusal('2002:7f00:2::')).toContain('loopback (127.0.0.0/8) inside a 6to4');
    expect(policy.refusal('2001:0:4136:e378:8000:63bf:80ff:fffe')).toBeNull();
    expect(policy.refusal('2001:0:7f00:2:8000:63bf:80ff:fffe')).toContain('as the server of a Teredo');
  });

  it('calls a non-address refused rather than open', () => {
    expect(closed.refusal('localhost')).toBe('not an IP address');
  });
});

describe('isAddressBlock and ipLiteral', () => {
  it.each([
    ['127.0.0.1/32', true],
    ['10.0.0.0/8', true],
    ['::1', true],
    ['fd00::/8', true],
    ['10.0.0.0/33', false],
    ['::/129', false],
    ['10.0.0.0/8/1', false],
    ['10.0.0.0/-1', false],
    ['localhost', false],
    ['', false],
  ])('%s is a block: %s', (text, expected) => {
    expect(isAddressBlock(text)).toBe(expected);
  });

  it('reads a URL host as an address only when it is one', () => {
    expect(ipLiteral('[::1]')).toBe('::1');
    expect(ipLiteral('127.0.0.1')).toBe('127.0.0.1');
    expect(ipLiteral('example.org')).toBeNull();
    // Literals ending in a hex letter, names ending in a digit, and what a URL parser makes of odd IPv4 forms.
    expect(ipLiteral('[::ffff:7f00:abcd]')).toBe('::ffff:7f00:abcd');
    expect(ipLiteral('[fe80::a]')).toBe('fe80::a');
    expect(ipLiteral('::1')).toBe('::1');
    expect(ipLiteral('node1')).toBeNull();
    expect(ipLiteral('10.0.0.1x')).toBeNull();
    expect(ipLiteral('')).toBeNull();
    expect(ipLiteral(new URL('http://0x7f.1/').hostname)).toBe('127.0.0.1');
    expect(ipLiteral(new URL('http://[::FFFF:127.0.0.1]/').hostname)).toBe('::ffff:7f00:1');
  });
});

describe('AddressPolicy start-up cost', () => {
  it('parses its refused blocks at the first judgement, not at import, and then only once', () => {
    // The module object the code under test calls into (an `import *` here would be a copy of it).
    const isIP = jest.spyOn(jest.requireActual<typeof Net>('node:net'), 'isIP');
    try {
      jest.isolateModules(() => {
        const fresh = jest.requireActual<{ AddressPolicy: typeof AddressPolicy }>('./address-policy');
        expect(isIP).not.toHaveBeenCalled();
        const policy = new fresh.AddressPolicy([]);
        expect(policy.refusal('169.254.169.254')).toBe('link-local (cloud metadata 169.254.169.254) (169.254.0.0/16)');
        const afterFirst = isIP.mock.calls.length;
        expect(afterFirst).toBeGreaterThan(18);
        expect(new fresh.AddressPolicy([]).refusal('::ffff:127.0.0.1')).toMatch(/^loopback/);
        expect(isIP.mock.calls.length - afterFirst).toBeLessThan(18);
      });
    } finally {
      isIP.mockRestore();
    }
  });
});
