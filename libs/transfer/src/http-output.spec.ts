import { ErrorCode } from '@capstan/core-constraints';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type TransferProgress } from './progress/progress-reporter';
import { testTransfer } from './test-kit/test-transfer';
import { everythingShown, rejection } from './test-kit/rejection';
import { fingerprintOf } from './test-kit/temp-folders';
import { httpTestBench, type TestHandler } from './test-kit/test-http-server';

const { folders, serve } = httpTestBench();

const created: TestHandler = (_request, response) => void response.writeHead(201).end();
const payload = Buffer.from('0123456789abcdef'.repeat(40_000));

/** A task folder holding `result.bin` (the payload) and `out/` (a small tree). */
async function taskFolder(): Promise<string> {
  const task = await folders.make('task');
  await writeFile(join(task, 'result.bin'), payload);
  await mkdir(join(task, 'out', 'sub dir', 'deeper'), { recursive: true });
  await mkdir(join(task, 'out', 'empty'));
  await writeFile(join(task, 'out', 'a.txt'), 'alpha');
  await writeFile(join(task, 'out', 'sub dir', 'b #1.txt'), 'beta!');
  await writeFile(join(task, 'out', 'sub dir', 'deeper', 'c.txt'), '');
  return task;
}

describe('putOutput over http', () => {
  it('PUTs a file as a streamed body with its Content-Length', async () => {
    const web = await serve(created);
    const task = await taskFolder();
    const events: TransferProgress[] = [];
    const { transfer } = testTransfer();
    const written = await transfer.putOutput(
      { hostPath: join(task, 'result.bin'), url: web.url('/store/result.bin'), within: task, fieldPath: 'outputs.0.url' },
      undefined,
      (event) => events.push(event),
    );
    expect(web.requests).toHaveLength(1);
    const [put] = web.requests;
    expect(put?.method).toBe('PUT');
    expect(put?.url).toBe('/store/result.bin');
    expect(put?.headers['content-length']).toBe(String(payload.length));
    expect(put?.headers['transfer-encoding']).toBeUndefined();
    expect(fingerprintOf(put?.body ?? Buffer.alloc(0))).toBe(fingerprintOf(payload));
    expect(written).toEqual([{ url: web.url('/store/result.bin'), sizeBytes: payload.length, relativePath: '' }]);
    expect(events[0]).toMatchObject({ direction: 'out', bytesDone: 0, bytesTotal: payload.length });
    expect(events.at(-1)).toMatchObject({ direction: 'out', bytesDone: payload.length, bytesTotal: payload.length });
  });

  it('retries a PUT answered 503, sending the whole body again', async () => {
    const web = await serve((request, response, index) => {
      if (index === 0) response.writeHead(503, { 'retry-after': '1' }).end();
      else created(request, response, index);
    });
    const task = await taskFolder();
    const { transfer, waits } = testTransfer();
    await transfer.putOutput({ hostPath: join(task, 'result.bin'), url: web.url('/r'), within: task, fieldPath: 'outputs.0.url' });
    expect(web.requests).toHaveLength(2);
    expect(web.requests.map((request) => fingerprintOf(request.body))).toEqual([fingerprintOf(payload), fingerprintOf(payload)]);
    expect(waits).toEqual([1000]);
  });

  it('takes an error answered before the body was read, and retries', async () => {
    const web = await serve(
      (request, response, index) => {
        if (index === 0) response.writeHead(503, { connection: 'close' }).end();
        else created(request, response, index);
      },
      (index) => index === 0,
    );
    const task = await taskFolder();
    const { transfer, waits } = testTransfer();
    const written = await transfer.putOutput({ hostPath: join(task, 'result.bin'), url: web.url('/early'), within: task, fieldPath: 'outputs.0.url' });
    expect(written).toEqual([{ url: web.url('/early'), sizeBytes: payload.length, relativePath: '' }]);
    expect(web.requests).toHaveLength(2);
    expect(fingerprintOf(web.requests[1]?.body ?? Buffer.alloc(0))).toBe(fingerprintOf(payload));
    expect(waits).toEqual([100]);
  });

  it('does not follow a redirect with an upload', async () => {
    const web = await serve((_request, response) => void response.writeHead(307, { location: '/elsewhere' }).end());
    const task = await taskFolder();
    const { transfer } = testTransfer();
    const error = await rejection(transfer.putOutput({ hostPath: join(task, 'result.bin'), url: web.url('/moved'), within: task, fieldPath: 'outputs.0.url' }));
    expect(error.code).toBe(ErrorCode.TransferFailed);
    expect(error.message).toContain('was answered with HTTP 307 Temporary Redirect; redirects are not followed for uploads');
    expect(web.requests).toHaveLength(1);
  });

  it('PUTs a DIRECTORY file by file at url/relative path, keeping the query at the end', async () => {
    const web = await serve(created);
    const task = await taskFolder();
    const { transfer } = testTransfer();
    const written = await transfer.putOutput({
      hostPath: join(task, 'out'),
      url: web.url('/bucket/run1/?sig=S3CR3T&v=2'),
      type: 'DIRECTORY',
      within: task,
      fieldPath: 'outputs.1.url',
    });
    expect(web.requests.map((request) => [request.method, request.url, request.body.toString()])).toEqual([
      ['PUT', '/bucket/run1/a.txt?sig=S3CR3T&v=2', 'alpha'],
      ['PUT', '/bucket/run1/sub%20dir/b%20%231.txt?sig=S3CR3T&v=2', 'beta!'],
      ['PUT', '/bucket/run1/sub%20dir/deeper/c.txt?sig=S3CR3T&v=2', ''],
    ]);
    expect(web.requests[2]?.headers['content-length']).toBe('0');
    expect(written).toEqual([
      { url: web.url('/bucket/run1/a.txt?sig=***&v=2'), sizeBytes: 5, relativePath: 'a.txt' },
      { url: web.url('/bucket/run1/sub%20dir/b%20%231.txt?sig=***&v=2'), sizeBytes: 5, relativePath: 'sub dir/b #1.txt' },
      { url: web.url('/bucket/run1/sub%20dir/deeper/c.txt?sig=***&v=2'), sizeBytes: 0, relativePath: 'sub dir/deeper/c.txt' },
    ]);
  });

  it('sends basic auth on every PUT and keeps the password out of a refusal', async () => {
    const expected = `Basic ${Buffer.from('writer:hunter2').toString('base64')}`;
    const web = await serve((request, response) => {
      if (request.headers.authorization !== expected) response.writeHead(401).end();
      else if (request.url.includes('deeper')) response.writeHead(403).end();
      else created(request, response, 0);
    });
    const task = await taskFolder();
    const { transfer } = testTransfer({ retries: 3 });
    const error = await rejection(
      transfer.putOutput({ hostPath: join(task, 'out'), url: web.url('/up', 'writer:hunter2'), type: 'DIRECTORY', within: task, fieldPath: 'outputs.0.url' }),
    );
    expect(web.requests.map((request) => request.url)).toEqual(['/up/a.txt', '/up/sub%20dir/b%20%231.txt', '/up/sub%20dir/deeper/c.txt']);
    expect(error.code).toBe(ErrorCode.TransferFailed);
    expect(error.message).toBe(
      `outputs.0.url: PUT ${web.url('/up/sub%20dir/deeper/c.txt', '***')} was answered with HTTP 403 Forbidden; ` +
        'check the user and password in the URL, or that a pre-signed URL has not expired',
    );
    expect(everythingShown(error)).not.toContain('hunter2');
  });

  it('cancels an upload the server does not answer, on abort', async () => {
    const web = await serve(() => undefined); // reads the body, never answers
    const task = await taskFolder();
    const controller = new AbortController();
    const { transfer } = testTransfer({ timeoutMs: 600_000 });
    const error = await rejection(
      transfer.putOutput({ hostPath: join(task, 'result.bin'), url: web.url('/slow'), within: task, fieldPath: 'outputs.0.url' }, controller.signal, (event) => {
        if (event.bytesDone === payload.length) controller.abort();
      }),
    );
    expect(error.code).toBe(ErrorCode.Canceled);
    expect(error.path).toBe('outputs.0.url');
  });

  it('gives up an upload the server does not answer within timeoutMs', async () => {
    const web = await serve(() => undefined); // reads the body, never answers
    const task = await taskFolder();
    const { transfer } = testTransfer({ timeoutMs: 200, retries: 0 });
    const error = await rejection(transfer.putOutput({ hostPath: join(task, 'result.bin'), url: web.url('/mute'), within: task, fieldPath: 'outputs.0.url' }));
    expect(error.code).toBe(ErrorCode.TransferFailed);
    expect(error.message).toContain(`PUT ${web.url('/mute')} failed after 1 attempt: no data moved for 200 ms`);
  });

  it('refuses to upload a link that leads out of the task folder', async () => {
    const web = await serve(created);
    const task = await taskFolder();
    const secrets = await folders.make('host');
    await writeFile(join(secrets, 'shadow'), 'root:x');
    await symlink(join(secrets, 'shadow'), join(task, 'out', 'innocent.txt'));
    await symlink(join(secrets, 'shadow'), join(task, 'linked-result'));
    const { transfer } = testTransfer();
    const inside = await rejection(
      transfer.putOutput({ hostPath: join(task, 'out'), url: web.url('/o'), type: 'DIRECTORY', within: task, fieldPath: 'outputs.0.url' }),
    );
    expect(inside.code).toBe(ErrorCode.TransferRefused);
    expect(inside.message).toContain(`the link "innocent.txt" in ${join(task, 'out')} leads to ${join(secrets, 'shadow')}, outside the task's folder ${task}`);
    const top = await rejection(transfer.putOutput({ hostPath: join(task, 'linked-result'), url: web.url('/o'), within: task, fieldPath: 'outputs.1.url' }));
    expect(top.code).toBe(ErrorCode.TransferRefused);
    expect(top.path).toBe('outputs.1.url');
    const self = join(task, 'linked-result');
    const selfConfined = await rejection(transfer.putOutput({ hostPath: self, url: web.url('/o'), within: self, fieldPath: 'outputs.2.url' }));
    expect(selfConfined.code).toBe(ErrorCode.TransferRefused);
    expect(selfConfined.message).toContain(`${self} leads through a symbolic link to ${join(secrets, 'shadow')}, outside the task's folder ${self}`);
    expect(web.requests).toHaveLength(0);
  });

  it('fails clearly when the task left nothing at the output path, or the wrong type', async () => {
    const web = await serve(created);
    const task = await taskFolder();
    const { transfer } = testTransfer();
    const missing = await rejection(transfer.putOutput({ hostPath: join(task, 'nope'), url: web.url('/o'), within: task, fieldPath: 'outputs.0.url' }));
    expect(missing.code).toBe(ErrorCode.TransferFailed);
    expect(missing.message).toContain(`the task left nothing at ${join(task, 'nope')}`);
    const folder = await rejection(transfer.putOutput({ hostPath: join(task, 'out'), url: web.url('/o'), within: task, fieldPath: 'outputs.1.url' }));
    expect(folder.message).toBe(`outputs.1.url: ${join(task, 'out')} is a folder, but the type is FILE; set type: DIRECTORY to copy the whole folder`);
    expect(web.requests).toHaveLength(0);
  });
});
