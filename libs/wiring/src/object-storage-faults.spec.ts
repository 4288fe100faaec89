import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CapstanError } from '@capstan/core-constraints';
import { objectStores } from '@capstan/s3-store';
import { FileAndHttpTransfer, parseTransferOptions } from '@capstan/transfer';
import { type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ownS3Server, s3Options, sharedS3Server, testClient, type S3Server } from './testing/s3-server';

// A store that dies mid-transfer: an s3rver of this test's own, killed (SIGKILL) once the first bytes moved.
const BUCKET = 's3-branch-faults';
const SIZE = 64 * 1024 * 1024;

let folder: string;
let own: { server: S3Server; process: ChildProcess };

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'capstan-s3-faults-'));
  own = await ownS3Server(sharedS3Server(), join(folder, 'store'), BUCKET);
});
afterEach(async () => {
  own.process.kill('SIGKILL');
  await rm(folder, { recursive: true, force: true });
});

function transfer(): FileAndHttpTransfer {
  const s3 = s3Options(own.server, { partSizeBytes: '5 MiB', queueSize: 1, timeoutMs: 5_000 });
  return new FileAndHttpTransfer(parseTransferOptions({ progressIntervalMs: 0 }), undefined, undefined, objectStores({ s3 }));
}

function killOnFirstBytes(): (event: { bytesDone: number }) => void {
  return (event) => {
    if (event.bytesDone > 0 && own.process.exitCode === null && own.process.signalCode === null) own.process.kill('SIGKILL');
  };
}

async function rejection(promise: Promise<unknown>): Promise<CapstanError> {
  const error: unknown = await promise.then(() => new Error('it succeeded'), (caught: unknown) => caught);
  if (!(error instanceof CapstanError)) throw error;
  return error;
}

describe('an S3 store that dies mid-transfer', () => {
  it('fails an input typed, and leaves nothing at the host path, not even a part file', async () => {
    await testClient(own.server).send(new PutObjectCommand({ Bucket: BUCKET, Key: 'big.bin', Body: Buffer.alloc(SIZE, 7) }));
    const inputs = join(folder, 'inputs');
    await mkdir(inputs);
    const error = await rejection(
      transfer().fetchInput({ url: `s3://${BUCKET}/big.bin`, hostPath: join(inputs, 'big.bin'), fieldPath: 'inputs.0.url' }, undefined, killOnFirstBytes()),
    );
    expect(error).toMatchObject({ code: 'transfer.failed', path: 'inputs.0.url' });
    expect(error.message).toContain('big.bin');
    expect(await readdir(inputs)).toEqual([]);
  }, 60_000);

  it('fails an output typed, and the store holds no object under its key once it is back', async () => {
    const task = join(folder, 'task');
    await mkdir(task);
    await writeFile(join(task, 'big.bin'), Buffer.alloc(SIZE, 9));
    const port = new URL(own.server.endpoint).port;
    const error = await rejection(
      transfer().putOutput({ hostPath: join(task, 'big.bin'), within: task, url: `s3://${BUCKET}/out/big.bin`, fieldPath: 'outputs.0.url' }, undefined, killOnFirstBytes()),
    );
    expect(error).toMatchObject({ code: 'transfer.failed', path: 'outputs.0.url' });
    own = await ownS3Server(sharedS3Server(), join(folder, 'store'), BUCKET, Number(port));
    await expect(testClient(own.server).send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'out/big.bin' }))).rejects.toMatchObject({ name: 'NotFound' });
  }, 60_000);

  it('stops an input and an output at once when the task is canceled: run.canceled, no file, no object', async () => {
    await testClient(own.server).send(new PutObjectCommand({ Bucket: BUCKET, Key: 'big.bin', Body: Buffer.alloc(SIZE, 7) }));
    const inputs = join(folder, 'inputs');
    await mkdir(inputs);
    const cancelIn = new AbortController();
    const abortOnFirstBytes = (controller: AbortController) => (event: { bytesDone: number }): void => {
      if (event.bytesDone > 0) controller.abort();
    };
    const input = await rejection(
      transfer().fetchInput({ url: `s3://${BUCKET}/big.bin`, hostPath: join(inputs, 'big.bin'), fieldPath: 'inputs.0.url' }, cancelIn.signal, abortOnFirstBytes(cancelIn)),
    );
    expect(input).toMatchObject({ code: 'run.canceled', path: 'inputs.0.url' });
    expect(await readdir(inputs)).toEqual([]);
    const task = join(folder, 'task');
    await mkdir(task);
    await writeFile(join(task, 'big.bin'), Buffer.alloc(SIZE, 9));
    const cancelOut = new AbortController();
    const output = await rejection(
      transfer().putOutput({ hostPath: join(task, 'big.bin'), within: task, url: `s3://${BUCKET}/out/canceled.bin`, fieldPath: 'outputs.0.url' }, cancelOut.signal, abortOnFirstBytes(cancelOut)),
    );
    expect(output).toMatchObject({ code: 'run.canceled', path: 'outputs.0.url' });
    await expect(testClient(own.server).send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'out/canceled.bin' }))).rejects.toMatchObject({ name: 'NotFound' });
  }, 60_000);
});
