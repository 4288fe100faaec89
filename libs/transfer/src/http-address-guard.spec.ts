import { ErrorCode } from '@capstan/core-constraints';
import { type LookupAddress } from 'node:dns';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileAndHttpTransfer } from './file-and-http-transfer';
import { type Resolve } from './http/guarded-connect';
import { parseTransferOptions, type TransferOptions } from './options/transfer-options';
import { everythingShown, rejection } from './test-kit/rejection';
import { recordingClock } from './test-kit/recording-clock';
import { listAll } from './test-kit/temp-folders';
import { httpTestBench, type TestHandler } from './test-kit/test-http-server';

// Server-side request forgery: task URLs come from untrusted clients, so transfers reach only public addresses unless
// the operator allow-lists more. The test servers listen on 127.0.0.1, which each test opens or leaves closed.
const { folders, serve } = httpTestBench();

const LOOPBACK = ['127.0.0.1/32'];

const ok: TestHandler = (_request, response) => {
  response.writeHead(200, { 'content-length': 5 }).end('hello');
};

/** A hosts-style table instead of DNS: names the tests invent resolve to the addresses given, and each lookup is counted. */
function hostsTable(entries: Record<string, readonly string[]>): { resolve: Resolve; lookups: string[] } {
  const lookups: string[] = [];
  const resolve: Resolve = (hostname, _options, callback) => {
    lookups.push(hostname);
    const addresses = entries[hostname];
    if (addresses === undefined) {
      callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
      return;
    }
    callback(null, addresses.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 })));
  };
  return { resolve, lookups };
}

function transferWith(options: TransferOptions, resolve?: Resolve): FileAndHttpTransfer {
  const settings = parseTransferOptions({ backoffMs: 1, retries: 2, ...options });
  return resolve === undefined ? new FileAndHttpTransfer(settings, recordingClock()) : new FileAndHttpTransfer(settings, recordingClock(), resolve);
}

async function fetchTo(transfer: FileAndHttpTransfer, url: string): Promise<{ folder: string; result: Promise<unknown> }> {
  const folder = await folders.make('in');
  return { folder, result: transfer.fetchInput({ url, hostPath: join(folder, 'x'), fieldPath: 'inputs.0.url' }) };
}

describe('http transfers reach only allowed addresses', () => {
  it('fetches from 127.0.0.1 when it is allow-listed, and refuses the same fetch without it, sending nothing', async () => {
    const web = await serve(ok);
    const allowed = await fetchTo(transferWith({ allowAddresses: LOOPBACK }), web.url('/data'));
    await expect(allowed.result).resolves.toEqual([expect.objectContaining({ sizeBytes: 5 })]);

    const refused = await fetchTo(transferWith({}), web.url('/data?token=T0KEN', 'reader:s3cret'));
    const error = await rejection(refused.result);
    expect(error.code).toBe(ErrorCode.TransferRefused);
    expect(error.path).toBe('inputs.0.url');
    expect(error.message).toContain(web.url('/data?token=***', '***'));
    expect(error.message).toContain('127.0.0.1, a loopback (127.0.0.0/8) address');
    expect(error.message).toContain('"127.0.0.1/32" to transfer.allowAddresses');
    expect(everythingShown(error)).not.toMatch(/s3cret|T0KEN/);
    expect(web.requests).toHaveLength(1); // the allowed fetch only
    expect(await listAll(refused.folder)).toEqual([]);
  });

  it.each([
    ['the cloud metadata address', 'http://169.254.169.254/latest/meta-data/', 'link-local'],
    ['an IPv6 loopback', 'http://[::1]:9/x', 'loopback'],
    ['IPv4-mapped loopback', 'http://[::ffff:127.0.0.1]:9/x', 'loopback'],
    ['a private address', 'https://10.0.0.1/x', 'private'],
    ['a short-hand loopback', 'http://127.1:9/x', 'loopback'],
    ['a decimal loopback', 'http://2130706433:9/x', 'loopback'],
  ])('refuses %s without a lookup or a retry', async (_label, url, rule) => {
    const { resolve, lookups } = hostsTable({});
    const { result } = await fetchTo(transferWith({}, resolve), url);
    const error = await rejection(result);
    expect(error.code).toBe(ErrorCode.TransferRefused);
    expect(error.message).toContain(rule);
    expect(lookups).toEqual([]);
  });

  it('refuses a name that resolves to a refused address (localhost, from the system resolver)', async () => {
    const web = await serve(ok);
    const { result } = await fetchTo(transferWith({}), `http://localhost:${web.port}/data`);
    const error = await rejection(result);
    expect(error.code).toBe(ErrorCode.TransferRefused);
    expect(error.message).toMatch(/localhost:\d+\/data leads to (127\.0\.0\.1|::1), a loopback/);
    expect(web.requests).toHaveLength(0);
  });

  it.each(['http', 'https'])('refuses a %s name when any of its addresses is refused, after one lookup', async (scheme) => {
    const { resolve, lookups } = hostsTable({ 'mixed.example': ['93.184.216.34', '169.254.169.254'] });
    const { result } = await fetchTo(transferWith({}, resolve), `${scheme}://mixed.example/x`);
    const error = await rejection(result);
    expect(error.code).toBe(ErrorCode.TransferRefused);
    expect(error.details).toMatchObject({ address: '169.254.169.254' });
    expect(lookups).toEqual(['mixed.example']);
  });

  it('connects to the address it checked: a name resolved by the table reaches the allowed test server', async () => {
    const web = await serve(ok);
    const { resolve, lookups } = hostsTable({ 'data.example': ['127.0.0.1'] });
    const { result } = await fetchTo(transferWith({ allowAddresses: LOOPBACK }, resolve), `http://data.example:${web.port}/x`);
    await expect(result).resolves.toHaveLength(1);
    expect(web.requests[0]?.headers.host).toBe(`data.example:${web.port}`);
    expect(lookups).toEqual(['data.example']);
  });

  it('retries a name that does not resolve as a network fault, not as a refusal', async () => {
    const { resolve, lookups } = hostsTable({});
    const { result } = await fetchTo(transferWith({}, resolve), 'http://nowhere.example/x');
    const error = await rejection(result);
    expect(error.code).toBe(ErrorCode.TransferFailed);
    expect(error.message).toContain('ENOTFOUND');
    expect(lookups).toHaveLength(3);
  });
});

describe('redirects are checked hop by hop', () => {
  it('follows a redirect to an allowed address, keeping basic auth on the same origin only', async () => {
    const web = await serve((request, response) => {
      if (request.url === '/start') response.writeHead(302, { location: '/final' }).end();
      else ok(request, response, 0);
    });
    const { result } = await fetchTo(transferWith({ allowAddresses: LOOPBACK }), web.url('/start', 'u:p'));
    await expect(result).resolves.toHaveLength(1);
    expect(web.requests.map((request) => [request.url, request.headers.authorization !== undefined])).toEqual([
      ['/start', true],
      ['/final', true],
    ]);
  });

  it.each([
    ['a literal refused address', 'http://169.254.169.254/latest/meta-data/iam', {}],
    ['a name that resolves to one', 'http://metadata.example/latest', { 'metadata.example': ['169.254.169.254'] }],
    ['the loopback name of the server itself', 'http://localhost/admin', { localhost: ['127.0.0.1', '::1'] }],
  ])('refuses a redirect from an allowed address to %s', async (_label, location, table) => {
    const web = await serve((_request, response) => response.writeHead(307, { location }).end());
    const { resolve } = hostsTable(table);
    const { folder, result } = await fetchTo(transferWith({ allowAddresses: ['127.0.0.1/32'] }, resolve), web.url('/start'));
    const error = await rejection(result);
    expect(error.code).toBe(ErrorCode.TransferRefused);
    expect(error.message).toMatch(/leads to (169\.254\.169\.254|::1)/);
    expect(web.requests).toHaveLength(1);
    expect(await listAll(folder)).toEqual([]);
  });

  it('fails a redirect without a Location, saying so', async () => {
    const web = await serve((_request, response) => response.writeHead(302).end());
    const error = await rejection((await fetchTo(transferWith({ allowAddresses: LOOPBACK }), web.url('/a'))).result);
    expect(error.code).toBe(ErrorCode.TransferFailed);
    expect(error.message).toContain('HTTP 302 Found; the redirect names no Location to follow');
  });

  it('refuses a redirect to another scheme and gives up an endless redirect loop', async () => {
    const toFile = await serve((_request, response) => response.writeHead(301, { location: 'file:///etc/passwd' }).end());
    const loop = await serve((request, response) => response.writeHead(302, { location: `${request.url}x` }).end());
    const transfer = transferWith({ allowAddresses: LOOPBACK });
    const scheme = await rejection((await fetchTo(transfer, toFile.url('/a'))).result);
    expect(scheme.code).toBe(ErrorCode.TransferRefused);
    expect(scheme.message).toContain('file://');
    const endless = await rejection((await fetchTo(transfer, loop.url('/a'))).result);
    expect(endless.code).toBe(ErrorCode.TransferFailed);
    expect(endless.message).toContain('redirected more than 10 times');
    expect(loop.requests).toHaveLength(11);
  });
});

describe('uploads and creation-time checks', () => {
  it('refuses to PUT an output to a refused address, sending nothing', async () => {
    const web = await serve((_request, response) => response.writeHead(201).end());
    const folder = await folders.make('out');
    await writeFile(join(folder, 'result.txt'), 'data');
    const request = { hostPath: join(folder, 'result.txt'), within: folder, url: web.url('/bucket/result.txt'), fieldPath: 'outputs.0.url' };
    const error = await rejection(transferWith({}).putOutput(request));
    expect(error.code).toBe(ErrorCode.TransferRefused);
    expect(error.path).toBe('outputs.0.url');
    expect(web.requests).toHaveLength(0);
    await expect(transferWith({ allowAddresses: LOOPBACK }).putOutput(request)).resolves.toHaveLength(1);
  });

  it('checkAddress refuses a literal refused host at once, both ways, and leaves names to the lookup', () => {
    const transfer = transferWith({ allowAddresses: ['10.9.0.0/16'], allowedRoots: ['/data'] });
    for (const direction of ['in', 'out'] as const) {
      expect(() => transfer.checkAddress('http://user:pw@169.254.169.254/x', direction, 'inputs.3.url')).toThrow(
        expect.objectContaining({ code: ErrorCode.TransferRefused, path: 'inputs.3.url', message: expect.not.stringContaining('pw') }),
      );
      expect(() => transfer.checkAddress('https://[fd00::1]/x', direction, 'outputs.0.url')).toThrow(expect.objectContaining({ code: ErrorCode.TransferRefused, path: 'outputs.0.url' }));
      expect(() => transfer.checkAddress('http://10.9.1.1/x', direction, 'inputs.0.url')).not.toThrow();
      expect(() => transfer.checkAddress('http://localhost/x', direction, 'inputs.0.url')).not.toThrow();
      // file:// is judged by the allowed roots, not the address policy.
      expect(() => transfer.checkAddress('file:///data/x', direction, 'inputs.0.url')).not.toThrow();
    }
  });
});
