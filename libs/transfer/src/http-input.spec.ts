import { ErrorCode } from '@capstan/core-constraints';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileAndHttpTransfer } from './file-and-http-transfer';
import { parseTransferOptions } from './options/transfer-options';
import { type TransferProgress } from './progress/progress-reporter';
import { testTransfer } from './test-kit/test-transfer';
import { everythingShown, rejection } from './test-kit/rejection';
import { fingerprint, fingerprintOf, listAll } from './test-kit/temp-folders';
import { closedPort, httpTestBench, type TestHandler } from './test-kit/test-http-server';

const { folders, serve } = httpTestBench();

const payload = Buffer.from('ACGT'.repeat(50_000));

const sendPayload: TestHandler = (_request, response) => {
  response.writeHead(200, { 'content-length': payload.length });
  response.end(payload);
};

describe('fetchInput over http', () => {
  it('streams a file to the host path and reports progress', async () => {
    const web = await serve(sendPayload);
    const target = join(await folders.make('in'), 'deep', 'reads.txt');
    const events: TransferProgress[] = [];
    const { transfer } = testTransfer();
    const written = await transfer.fetchInput({ url: web.url('/reads.txt'), hostPath: target, fieldPath: 'inputs.0.url' }, undefined, (event) =>
      events.push(event),
    );
    expect(await fingerprint(target)).toBe(fingerprintOf(payload));
    expect(written).toEqual([{ url: web.url('/reads.txt'), sizeBytes: payload.length, relativePath: '' }]);
    expect(events[0]).toEqual({ direction: 'in', url: web.url('/reads.txt'), bytesDone: 0, bytesTotal: payload.length });
    expect(events.at(-1)).toEqual({ direction: 'in', url: web.url('/reads.txt'), bytesDone: payload.length, bytesTotal: payload.length });
    expect(await listAll(join(target, '..'))).toEqual(['reads.txt']);
    expect(web.requests[0]?.headers['accept-encoding']).toBe('identity');
  });

  it('retries a 503 with backoff until the server answers', async () => {
    const web = await serve((request, response, index) => {
      if (index < 2) {
        response.writeHead(503).end('busy');
        return;
      }
      sendPayload(request, response, index);
    });
    const target = join(await folders.make('in'), 'x');
    const { transfer, waits } = testTransfer({ retries: 3 });
    await transfer.fetchInput({ url: web.url('/x'), hostPath: target, fieldPath: 'inputs.0.url' });
    expect(await fingerprint(target)).toBe(fingerprintOf(payload));
    expect(web.requests).toHaveLength(3);
    expect(waits).toEqual([100, 200]);
  });

  it('honours Retry-After on 429, cut to maxRetryAfterMs', async () => {
    const web = await serve((request, response, index) => {
      if (index === 0) response.writeHead(429, { 'retry-after': '2' }).end();
      else if (index === 1) response.writeHead(503, { 'retry-after': '86400' }).end();
      else sendPayload(request, response, index);
    });
    const target = join(await folders.make('in'), 'x');
    const { transfer, waits } = testTransfer({ retries: 2, maxRetryAfterMs: 10_000 });
    await transfer.fetchInput({ url: web.url('/x'), hostPath: target, fieldPath: 'inputs.0.url' });
    expect(waits).toEqual([2000, 10_000]);
    expect(await fingerprint(target)).toBe(fingerprintOf(payload));
  });

  it('gives up after retries + 1 attempts, naming the field, the attempts and the status', async () => {
    const web = await serve((_request, response) => void response.writeHead(502).end());
    const folder = await folders.make('in');
    const { transfer } = testTransfer({ retries: 2 });
    const error = await rejection(transfer.fetchInput({ url: web.url('/x'), hostPath: join(folder, 'x'), fieldPath: 'inputs.3.url' }));
    expect(error.code).toBe(ErrorCode.TransferFailed);
    expect(error.path).toBe('inputs.3.url');
    expect(error.message).toBe(
      `inputs.3.url: GET ${web.url('/x')} failed after 3 attempts: HTTP 502 Bad Gateway; ` +
        'check that the server is up and reachable from this host, or raise the transfer retries or timeoutMs',
    );
    expect(web.requests).toHaveLength(3);
    expect(await listAll(folder)).toEqual([]);
  });

  it('does not retry a 404', async () => {
    const web = await serve((_request, response) => void response.writeHead(404).end());
    const { transfer } = testTransfer();
    const error = await rejection(transfer.fetchInput({ url: web.url('/nope'), hostPath: join(await folders.make('in'), 'x'), fieldPath: 'inputs.0.url' }));
    expect(error.code).toBe(ErrorCode.TransferFailed);
    expect(error.message).toContain('was answered with HTTP 404 Not Found; check the URL');
    expect(web.requests).toHaveLength(1);
  });

  it('retries a refused connection and says so', async () => {
    const port = await closedPort();
    const { transfer, waits } = testTransfer({ retries: 1 });
    const error = await rejection(
      transfer.fetchInput({ url: `http://127.0.0.1:${port}/x`, hostPath: join(await folders.make('in'), 'x'), fieldPath: 'inputs.0.url' }),
    );
    expect(error.code).toBe(ErrorCode.TransferFailed);
    expect(error.message).toContain('failed after 2 attempts: a network error (ECONNREFUSED (connection refused))');
    expect(waits).toHaveLength(1);
  });

  it('retries a download cut off in the middle, from the start', async () => {
    const web = await serve((request, response, index) => {
      if (index === 0) {
        response.writeHead(200, { 'content-length': payload.length });
        response.write(payload.subarray(0, 1000), () => response.destroy());
        return;
      }
      sendPayload(request, response, index);
    });
    const folder = await folders.make('in');
    const { transfer } = testTransfer({ retries: 1 });
    await transfer.fetchInput({ url: web.url('/x'), hostPath: join(folder, 'x'), fieldPath: 'inputs.0.url' });
    expect(await fingerprint(join(folder, 'x'))).toBe(fingerprintOf(payload));
    expect(web.requests).toHaveLength(2);
    expect(await listAll(folder)).toEqual(['x']);
  });

  it('sends user:password as basic auth and never shows the password', async () => {
    const web = await serve((request, response) => {
      const expected = `Basic ${Buffer.from('reader:pa ss@word').toString('base64')}`;
      if (request.headers.authorization !== expected) response.writeHead(401).end();
      else if (request.url.startsWith('/missing')) response.writeHead(404).end();
      else sendPayload(request, response, 0);
    });
    const folder = await folders.make('in');
    const events: TransferProgress[] = [];
    const { transfer } = testTransfer();
    const written = await transfer.fetchInput(
      { url: web.url('/x', 'reader:pa%20ss%40word'), hostPath: join(folder, 'x'), fieldPath: 'inputs.0.url' },
      undefined,
      (event) => events.push(event),
    );
    expect(await fingerprint(join(folder, 'x'))).toBe(fingerprintOf(payload));
    expect(written[0]?.url).toBe(web.url('/x', '***'));
    expect(events.length).toBeGreaterThan(0);
    expect(JSON.stringify([events, written])).not.toMatch(/pa%20ss|word/);

    const error = await rejection(
      transfer.fetchInput({ url: web.url('/missing?token=T0KEN', 'reader:pa%20ss%40word'), hostPath: join(folder, 'y'), fieldPath: 'inputs.1.url' }),
    );
    expect(error.message).toContain(web.url('/missing?token=***', '***'));
    expect(everythingShown(error)).not.toMatch(/pa%20ss|word|T0KEN/);
  });

  it('refuses at once a file larger than maxInputBytes by its Content-Length', async () => {
    const web = await serve(sendPayload);
    const folder = await folders.make('in');
    const { transfer } = testTransfer({ maxInputBytes: 1000, retries: 3 });
    const error = await rejection(transfer.fetchInput({ url: web.url('/big'), hostPath: join(folder, 'big'), fieldPath: 'inputs.0.url' }));
    expect(error.code).toBe(ErrorCode.TransferFailed);
    expect(error.message).toBe(
      `inputs.0.url: ${web.url('/big')} is 195.3 KiB (200000 bytes), more than the limit of 1000 B (1000 bytes) per input; ` +
        'use a smaller input, or ask the operator to raise the transfer maxInputBytes',
    );
    expect(web.requests).toHaveLength(1);
    expect(await listAll(folder)).toEqual([]);
  });

  it('stops a download without Content-Length at maxInputBytes', async () => {
    const web = await serve((_request, response) => {
      response.writeHead(200);
      response.end(payload);
    });
    const folder = await folders.make('in');
    const { transfer } = testTransfer({ maxInputBytes: '64 KiB' });
    const error = await rejection(transfer.fetchInput({ url: web.url('/stream'), hostPath: join(folder, 's'), fieldPath: 'inputs.0.url' }));
    expect(error.code).toBe(ErrorCode.TransferFailed);
    expect(error.message).toContain('sent more than the limit of 64 KiB (65536 bytes) per input');
    expect(error.details).toMatchObject({ limitBytes: 65536, sizeBytes: null });
    expect(await listAll(folder)).toEqual([]);
  });

  it('cancels a slow download on abort and removes the temporary file', async () => {
    const web = await serve((_request, response) => {
      response.writeHead(200, { 'content-length': payload.length });
      response.write(payload.subarray(0, 4096)); // and never more
    });
    const folder = await folders.make('in');
    const controller = new AbortController();
    const { transfer } = testTransfer({ timeoutMs: 600_000 });
    const error = await rejection(
      transfer.fetchInput({ url: web.url('/slow'), hostPath: join(folder, 'slow'), fieldPath: 'inputs.0.url' }, controller.signal, (event) => {
        if (event.bytesDone > 0) controller.abort();
      }),
    );
    expect(error.code).toBe(ErrorCode.Canceled);
    expect(error.path).toBe('inputs.0.url');
    expect(error.message).toBe(`inputs.0.url: the transfer of ${web.url('/slow')} was canceled`);
    expect(await listAll(folder)).toEqual([]);
  });

  it('cancels during a long Retry-After wait, with the real clock', async () => {
    const controller = new AbortController();
    const web = await serve((_request, response) => {
      response.writeHead(503, { 'retry-after': '3600' }).end(() => controller.abort());
    });
    const transfer = new FileAndHttpTransfer(parseTransferOptions({ retries: 5, maxRetryAfterMs: 3_600_000, allowAddresses: ['127.0.0.1/32'] }));
    const folder = await folders.make('in');
    const error = await rejection(transfer.fetchInput({ url: web.url('/busy'), hostPath: join(folder, 'x'), fieldPath: 'inputs.0.url' }, controller.signal));
    expect(error.code).toBe(ErrorCode.Canceled);
    expect(web.requests).toHaveLength(1);
    expect(await listAll(folder)).toEqual([]);
  });

  it('gives up a request that stalls for timeoutMs, and retries it', async () => {
    const web = await serve((_request, response) => {
      response.writeHead(200, { 'content-length': payload.length });
      response.write(payload.subarray(0, 10)); // and stalls
    });
    const folder = await folders.make('in');
    const { transfer } = testTransfer({ timeoutMs: 200, retries: 1 });
    const error = await rejection(transfer.fetchInput({ url: web.url('/stall'), hostPath: join(folder, 's'), fieldPath: 'inputs.0.url' }));
    expect(error.code).toBe(ErrorCode.TransferFailed);
    expect(error.message).toContain('failed after 2 attempts: no data moved for 200 ms');
    expect(web.requests).toHaveLength(2);
    expect(await listAll(folder)).toEqual([]);
  });

  it('fails without writing when a folder is in the way of the file', async () => {
    const web = await serve(sendPayload);
    const folder = await folders.make('in');
    await mkdir(join(folder, 'taken', 'inner'), { recursive: true });
    const { transfer } = testTransfer();
    const error = await rejection(transfer.fetchInput({ url: web.url('/x'), hostPath: join(folder, 'taken'), fieldPath: 'inputs.0.url' }));
    expect(error.code).toBe(ErrorCode.TransferFailed);
    expect(error.message).toContain(`cannot be written: ${join(folder, 'taken')} already exists as a folder`);
    expect(await listAll(folder)).toEqual(['taken', 'taken/inner']);
  });

  it('refuses an http DIRECTORY before any request', async () => {
    const web = await serve(sendPayload);
    const { transfer } = testTransfer();
    const error = await rejection(
      transfer.fetchInput({ url: web.url('/dir/'), type: 'DIRECTORY', hostPath: join(await folders.make('in'), 'd'), fieldPath: 'inputs.0.url' }),
    );
    expect(error.code).toBe(ErrorCode.TransferRefused);
    expect(error.message).toContain('plain http has no folder listing');
    expect(web.requests).toHaveLength(0);
  });

  it('refuses other schemes naming the field, the scheme and what is supported', async () => {
    const { transfer } = testTransfer();
    const error = await rejection(
      transfer.fetchInput({ url: 's3://bucket/key?X-Amz-Signature=SIG', hostPath: join(await folders.make('in'), 'x'), fieldPath: 'inputs.2.url' }),
    );
    expect(error.code).toBe(ErrorCode.TransferRefused);
    expect(error.path).toBe('inputs.2.url');
    expect(error.message).toBe(
      'inputs.2.url: the scheme "s3" of s3://bucket/key?X-Amz-Signature=*** is not supported; Capstan transfers file:// (under the ' +
        'allowed roots), http:// and https://; copy the data to a place served over one of those, or stage it on the host under an allowed root',
    );
  });

  it('uses content instead of the url when both are given', async () => {
    const web = await serve(sendPayload);
    const folder = await folders.make('in');
    const { transfer } = testTransfer();
    const written = await transfer.fetchInput({ url: web.url('/x'), content: 'héllo\n', hostPath: join(folder, 'c.txt'), fieldPath: 'inputs.0' });
    expect(await readFile(join(folder, 'c.txt'), 'utf8')).toBe('héllo\n');
    expect(written).toEqual([{ url: '', sizeBytes: 7, relativePath: '' }]);
    expect(web.requests).toHaveLength(0);
    const error = await rejection(transfer.fetchInput({ content: 'x', type: 'DIRECTORY', hostPath: join(folder, 'd'), fieldPath: 'inputs.1' }));
    expect(error.code).toBe(ErrorCode.TransferRefused);
    const neither = await rejection(transfer.fetchInput({ content: '', hostPath: join(folder, 'n'), fieldPath: 'inputs.2' }));
    expect(neither.message).toBe('inputs.2: the input has neither a url nor content; give one of them');
  });
});
