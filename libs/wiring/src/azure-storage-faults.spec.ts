import { azureObjectStore } from '@capstan/azure-store';
import { FileAndHttpTransfer, parseTransferOptions } from '@capstan/transfer';
import { type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { azureOptions, type AzuriteServer, ownAzurite, sharedAzurite, testContainer } from './testing/azurite-server';
import { rejection } from './testing/rejection';

// A store that dies mid-transfer: an Azurite of this test's own, killed (SIGKILL) once the first bytes moved.
const CONTAINER = 'azure-branch-faults';
const SIZE = 64 * 1024 * 1024;

let folder: string;
let own: { server: AzuriteServer; process: ChildProcess };

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'capstan-azure-faults-'));
  own = await ownAzurite(sharedAzurite(), join(folder, 'store'), CONTAINER);
});
afterEach(async () => {
  own.process.kill('SIGKILL');
  await rm(folder, { recursive: true, force: true });
});

function transfer(): FileAndHttpTransfer {
  const store = azureObjectStore(azureOptions(own.server, { blockSizeBytes: '4 MiB', concurrency: 1, timeoutMs: 5_000 }));
  return new FileAndHttpTransfer(parseTransferOptions({ progressIntervalMs: 0 }), undefined, undefined, store === null ? [] : [store]);
}

const blobUrl = (name: string): string => `az://${own.server.account}/${CONTAINER}/${name}`;

function killOnFirstBytes(): (event: { bytesDone: number }) => void {
  return (event) => {
    if (event.bytesDone > 0 && own.process.exitCode === null && own.process.signalCode === null) own.process.kill('SIGKILL');
  };
}

describe('an Azure store that dies mid-transfer', () => {
  it('fails an input typed, and leaves nothing at the host path, not even a part file', async () => {
    await testContainer(own.server).getBlockBlobClient('big.bin').uploadData(Buffer.alloc(SIZE, 7));
    const inputs = join(folder, 'inputs');
    await mkdir(inputs);
    const error = await rejection(transfer().fetchInput({ url: blobUrl('big.bin'), hostPath: join(inputs, 'big.bin'), fieldPath: 'inputs.0.url' }, undefined, killOnFirstBytes()));
    expect(error).toMatchObject({ code: 'transfer.failed', path: 'inputs.0.url' });
    expect(error.message).toContain('big.bin');
    expect(await readdir(inputs)).toEqual([]);
  }, 60_000);

  it('fails an output typed, and the store holds no blob under its name once it is back', async () => {
    const task = join(folder, 'task');
    await mkdir(task);
    await writeFile(join(task, 'big.bin'), Buffer.alloc(SIZE, 9));
    const port = new URL(own.server.endpoint).port;
    const error = await rejection(
      transfer().putOutput({ hostPath: join(task, 'big.bin'), within: task, url: blobUrl('out/big.bin'), fieldPath: 'outputs.0.url' }, undefined, killOnFirstBytes()),
    );
    expect(error).toMatchObject({ code: 'transfer.failed', path: 'outputs.0.url' });
    own = await ownAzurite(sharedAzurite(), join(folder, 'store'), CONTAINER, Number(port));
    expect(await testContainer(own.server, CONTAINER).getBlobClient('out/big.bin').exists()).toBe(false);
  }, 60_000);

  it('stops an input and an output at once when the task is canceled: run.canceled, no file, no blob', async () => {
    await testContainer(own.server).getBlockBlobClient('big.bin').uploadData(Buffer.alloc(SIZE, 7));
    const inputs = join(folder, 'inputs');
    await mkdir(inputs);
    const abortOnFirstBytes = (controller: AbortController) => (event: { bytesDone: number }): void => {
      if (event.bytesDone > 0) controller.abort();
    };
    const cancelIn = new AbortController();
    const input = await rejection(transfer().fetchInput({ url: blobUrl('big.bin'), hostPath: join(inputs, 'big.bin'), fieldPath: 'inputs.0.url' }, cancelIn.signal, abortOnFirstBytes(cancelIn)));
    expect(input).toMatchObject({ code: 'run.canceled', path: 'inputs.0.url' });
    expect(await readdir(inputs)).toEqual([]);
    const task = join(folder, 'task');
    await mkdir(task);
    await writeFile(join(task, 'big.bin'), Buffer.alloc(SIZE, 9));
    const cancelOut = new AbortController();
    const output = await rejection(
      transfer().putOutput({ hostPath: join(task, 'big.bin'), within: task, url: blobUrl('out/canceled.bin'), fieldPath: 'outputs.0.url' }, cancelOut.signal, abortOnFirstBytes(cancelOut)),
    );
    expect(output).toMatchObject({ code: 'run.canceled', path: 'outputs.0.url' });
    expect(await testContainer(own.server).getBlobClient('out/canceled.bin').exists()).toBe(false);
  }, 60_000);
});
