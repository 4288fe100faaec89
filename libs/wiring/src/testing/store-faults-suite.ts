import { type FileAndHttpTransfer } from '@capstan/transfer';
import { type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rejection } from './rejection';

const SIZE = 64 * 1024 * 1024;

/** A store server of the test's own, which the fault tests kill and start again. */
export interface OwnStore {
  readonly process: ChildProcess;
  /** The port it listens on, to start it again there. */
  readonly port: number;
  url(name: string): string;
  put(name: string, body: Buffer): Promise<unknown>;
  exists(name: string): Promise<boolean>;
  /** A transfer with small parts or blocks, one at a time, and short timeouts. */
  transfer(): FileAndHttpTransfer;
}

/**
 * A store that dies mid-transfer: a server of the test's own (`start(dataDir, port?)`, port 0 for a free one), killed
 * (SIGKILL) once the first bytes moved; and a transfer canceled mid-way. Inputs leave nothing at the host path,
 * outputs no object under their name.
 */
export function describeStoreFaults(title: string, start: (dataDir: string, port?: number) => Promise<OwnStore>): void {
  describe(title, () => {
    let folder: string;
    let own: OwnStore;
    beforeEach(async () => {
      folder = await mkdtemp(join(tmpdir(), 'capstan-store-faults-'));
      own = await start(join(folder, 'store'));
    });
    afterEach(async () => {
      own.process.kill('SIGKILL');
      await rm(folder, { recursive: true, force: true });
    });

    const killOnFirstBytes = () => (event: { bytesDone: number }): void => {
      if (event.bytesDone > 0 && own.process.exitCode === null && own.process.signalCode === null) own.process.kill('SIGKILL');
    };
    const abortOnFirstBytes = (controller: AbortController) => (event: { bytesDone: number }): void => {
      if (event.bytesDone > 0) controller.abort();
    };
    const bigTaskFile = async (): Promise<string> => {
      const task = join(folder, 'task');
      await mkdir(task, { recursive: true });
      await writeFile(join(task, 'big.bin'), Buffer.alloc(SIZE, 9));
      return task;
    };

    it('fails an input typed, and leaves nothing at the host path, not even a part file', async () => {
      await own.put('big.bin', Buffer.alloc(SIZE, 7));
      const inputs = join(folder, 'inputs');
      await mkdir(inputs);
      const error = await rejection(own.transfer().fetchInput({ url: own.url('big.bin'), hostPath: join(inputs, 'big.bin'), fieldPath: 'inputs.0.url' }, undefined, killOnFirstBytes()));
      expect(error).toMatchObject({ code: 'transfer.failed', path: 'inputs.0.url' });
      expect(error.message).toContain('big.bin');
      expect(await readdir(inputs)).toEqual([]);
    }, 60_000);

    it('fails an output typed, and the store holds no object under its name once it is back', async () => {
      const task = await bigTaskFile();
      const error = await rejection(
        own.transfer().putOutput({ hostPath: join(task, 'big.bin'), within: task, url: own.url('out/big.bin'), fieldPath: 'outputs.0.url' }, undefined, killOnFirstBytes()),
      );
      expect(error).toMatchObject({ code: 'transfer.failed', path: 'outputs.0.url' });
      own = await start(join(folder, 'store'), own.port);
      expect(await own.exists('out/big.bin')).toBe(false);
    }, 60_000);

    it('stops an input and an output at once when the task is canceled: run.canceled, no file, no object', async () => {
      await own.put('big.bin', Buffer.alloc(SIZE, 7));
      const inputs = join(folder, 'inputs');
      await mkdir(inputs);
      const cancelIn = new AbortController();
      const input = await rejection(own.transfer().fetchInput({ url: own.url('big.bin'), hostPath: join(inputs, 'big.bin'), fieldPath: 'inputs.0.url' }, cancelIn.signal, abortOnFirstBytes(cancelIn)));
      expect(input).toMatchObject({ code: 'run.canceled', path: 'inputs.0.url' });
      expect(await readdir(inputs)).toEqual([]);
      const task = await bigTaskFile();
      const cancelOut = new AbortController();
      const output = await rejection(
        own.transfer().putOutput({ hostPath: join(task, 'big.bin'), within: task, url: own.url('out/canceled.bin'), fieldPath: 'outputs.0.url' }, cancelOut.signal, abortOnFirstBytes(cancelOut)),
      );
      expect(output).toMatchObject({ code: 'run.canceled', path: 'outputs.0.url' });
      expect(await own.exists('out/canceled.bin')).toBe(false);
    }, 60_000);
  });
}
