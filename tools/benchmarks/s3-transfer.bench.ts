// A 1 GiB object through the transfer's s3:// store (against the S3-compatible store of tools/engines/s3.sh) or its
// az:// store (against the Azurite of tools/engines/azurite.sh) and back, with this process's RSS sampled every 50 ms:
// the memory of a TES server moving it must stay flat (bounded by the upload's parts or blocks in flight), whatever
// the object's size. Not a test (about a minute on the shared 2-core machine): prints the numbers for
// docs/benchmarks.md.
//   node tools/run-ts.mjs tools/benchmarks/s3-transfer.bench.ts [sizeMiB=1024] [s3|azure]
import 'reflect-metadata';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { azureObjectStore } from '@capstan/azure-store';
import { type ObjectStore } from '@capstan/core-constraints';
import { objectStores } from '@capstan/s3-store';
import { FileAndHttpTransfer, parseTransferOptions } from '@capstan/transfer';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { azureOptions, sharedAzurite, testContainer } from '../../libs/wiring/src/testing/azurite-server';
import { s3Options, sharedS3Server, testClient } from '../../libs/wiring/src/testing/s3-server';

const MIB = 1024 * 1024;
const sizeMiB = Number(process.argv[2] ?? 1024);
const target = process.argv[3] ?? 's3';

/** The store under test, the URL of an object name in it, and how to delete that object afterwards. */
interface Target {
  readonly stores: ObjectStore[];
  readonly url: (name: string) => string;
  readonly remove: (name: string) => Promise<unknown>;
  readonly shape: string;
}

function targetOf(name: string): Target {
  if (name === 'azure') {
    const server = sharedAzurite();
    const store = azureObjectStore(azureOptions(server, { retries: 3 }));
    return {
      stores: store === null ? [] : [store],
      url: (blob) => `az://${server.account}/${server.container}/${blob}`,
      remove: (blob) => testContainer(server).deleteBlob(blob),
      shape: 'block size 8 MiB, 4 blocks in flight',
    };
  }
  const server = sharedS3Server();
  return {
    stores: objectStores({ s3: s3Options(server, { retries: 3 }) }),
    url: (key) => `s3://${server.bucket}/${key}`,
    remove: (key) => testClient(server).send(new DeleteObjectCommand({ Bucket: server.bucket, Key: key })),
    shape: 'part size 8 MiB, 4 parts in flight',
  };
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Runs `work` while sampling RSS; returns the peak and the seconds it took. */
async function measured(work: () => Promise<unknown>): Promise<{ peakMiB: number; seconds: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const started = performance.now();
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  return { peakMiB: peak / MIB, seconds: (performance.now() - started) / 1000 };
}

async function main(): Promise<void> {
  const store = targetOf(target);
  const folder = await mkdtemp(join(tmpdir(), `${target}-branch-bench-`));
  const key = `${target}-branch-bench-${randomBytes(4).toString('hex')}/big.bin`;
  const url = store.url(key);
  try {
    const task = join(folder, 'task');
    const source = join(task, 'big.bin');
    await mkdir(task);
    const file = await open(source, 'w');
    const chunk = randomBytes(16 * MIB);
    for (let written = 0; written < sizeMiB * MIB; written += chunk.length) await file.write(chunk);
    await file.close();
    const transfer = new FileAndHttpTransfer(parseTransferOptions({ maxInputBytes: '2 GiB' }), undefined, undefined, store.stores);
    // A small object first: the baseline is taken with the SDK loaded and its client built, as in a running server.
    await writeFile(join(task, 'warm.txt'), 'warm');
    await transfer.putOutput({ hostPath: join(task, 'warm.txt'), within: task, url: `${url}.warm`, fieldPath: 'outputs.0.url' });
    await transfer.fetchInput({ url: `${url}.warm`, hostPath: join(folder, 'warm.txt'), fieldPath: 'inputs.0.url' });
    const baseline = process.memoryUsage().rss / MIB;
    const up = await measured(() => transfer.putOutput({ hostPath: source, within: task, url, fieldPath: 'outputs.0.url' }));
    const back = join(folder, 'back.bin');
    const down = await measured(() => transfer.fetchInput({ url, hostPath: back, fieldPath: 'inputs.0.url' }));
    const same = (await sha256(source)) === (await sha256(back));
    const line = (what: string, run: { peakMiB: number; seconds: number }): string =>
      `${what}: ${run.seconds.toFixed(1)} s (${(sizeMiB / run.seconds).toFixed(0)} MiB/s), peak RSS ${run.peakMiB.toFixed(0)} MiB (+${(run.peakMiB - baseline).toFixed(0)} MiB over the ${baseline.toFixed(0)} MiB before)`;
    console.log(`${target} object: ${sizeMiB} MiB, ${store.shape}; node ${process.version}`);
    console.log(line('out (putOutput, multipart or block upload)', up));
    console.log(line('in (fetchInput, streamed GET)', down));
    console.log(`the copy that came back is ${same ? 'identical (sha256)' : 'DIFFERENT'}`);
    if (!same) process.exitCode = 1;
  } finally {
    for (const object of [key, `${key}.warm`]) await store.remove(object).catch(() => undefined);
    await rm(folder, { recursive: true, force: true });
  }
}

void main();
