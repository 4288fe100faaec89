import { spawn } from 'node:child_process';
import { chown, mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelChannel, channelPath, requestCancel } from './cancel-channel';
import { ownStartTime } from './process-registry';
import { TaskCancels } from './task-cancels';

let folder: string;
let channel: CancelChannel | undefined;
const asked: string[] = [];

beforeEach(async () => {
  folder = join(await mkdtemp(join(tmpdir(), 'top2-cancel-channel-')), 'processes');
  await mkdir(folder, { mode: 0o700 });
  asked.length = 0;
  channel = await CancelChannel.open(folder, (name) => {
    asked.push(name);
    return `canceling ${name}`;
  });
});

afterEach(async () => {
  await channel?.close();
  await rm(join(folder, '..'), { recursive: true, force: true });
});

const self = async () => ({ version: 1 as const, pid: process.pid, processStartedAt: await ownStartTime(), runId: 'aaaaaaaaaaaa', runFolder: '/runs/x' });

/** Sends raw bytes to the channel and gives what it answers (empty when it hangs up). */
function raw(bytes: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection(channelPath(folder, process.pid));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('close', () => resolve(answer));
    socket.on('error', () => undefined);
    socket.write(bytes);
  });
}

describe("a capstan run's cancel channel", () => {
  it('cancels the named task through the run and gives its answer; the socket is 0600 and close removes it', async () => {
    expect(await requestCancel(folder, await self(), 'sh-abc123')).toBe('canceling sh-abc123');
    expect(asked).toEqual(['sh-abc123']);
    expect((await stat(channelPath(folder, process.pid))).mode & 0o777).toBe(0o600);
    await channel?.close();
    channel = undefined;
    await expect(stat(channelPath(folder, process.pid))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('hostile: a stale registry entry (a dead pid, or a pid reused by a later process) is never asked', async () => {
    const dead = spawn('true');
    await new Promise((resolve) => dead.once('exit', resolve));
    expect(await requestCancel(folder, { ...(await self()), pid: dead.pid as number }, 't-1')).toBe(`capstan run ${dead.pid} has already ended`);
    // This pid, but registered by a process that started an hour earlier: not the one alive now.
    const earlier = new Date(Date.now() - 3_600_000).toISOString();
    expect(await requestCancel(folder, { ...(await self()), processStartedAt: earlier }, 't-1')).toBe(`capstan run ${process.pid} has already ended`);
    expect(asked).toEqual([]);
  });

  it("hostile: another user's socket, a link or a plain file where the socket should be is refused, never connected to", async () => {
    const other = join(folder, 'other');
    await mkdir(other, { mode: 0o700 });
    const theirs = await CancelChannel.open(other, (name) => `theirs canceled ${name}`);
    try {
      await chown(theirs.path, 65534, 65534);
      await expect(requestCancel(other, await self(), 't-1')).rejects.toThrow(/no cancel channel of this user's .*\(owner uid 65534\)/);
      await rm(theirs.path);
      await symlink(channelPath(folder, process.pid), theirs.path);
      await expect(requestCancel(other, await self(), 't-1')).rejects.toThrow('(not a socket)');
      await rm(theirs.path);
      await writeFile(theirs.path, '');
      await expect(requestCancel(other, await self(), 't-1')).rejects.toThrow('(not a socket)');
    } finally {
      await theirs.close();
    }
    expect(asked).toEqual([]);
  });

  it('hostile: a request that is not JSON, names no well-formed task, or never ends its line gets no cancel', async () => {
    expect(JSON.parse(await raw('not json\n'))).toEqual({ message: expect.stringMatching(/^not a cancel request/) });
    expect(JSON.parse(await raw(`${JSON.stringify({ cancel: '../../etc/passwd' })}\n`))).toEqual({ message: expect.stringMatching(/^not a cancel request/) });
    expect(JSON.parse(await raw(`${JSON.stringify({ cancel: 7 })}\n`))).toEqual({ message: expect.stringMatching(/^not a cancel request/) });
    expect(await raw('x'.repeat(10_000))).toBe('');
    expect(asked).toEqual([]);
  });

  it('fault: a run whose socket is left but nothing listens (killed with -9) is an error, not a hang', async () => {
    const left = join(folder, 'left');
    await mkdir(left, { mode: 0o700 });
    const gone = await CancelChannel.open(left, () => 'never');
    // What -9 leaves: the socket file, with no process behind it.
    await new Promise<void>((resolve) => (gone as unknown as { server: { close: (done: () => void) => void } }).server.close(resolve));
    await expect(requestCancel(left, await self(), 't-1')).rejects.toThrow();
  });
});

describe('TaskCancels', () => {
  it('aborts the one task named, and says when a task is unknown, ended or already canceling', async () => {
    const cancels = new TaskCancels();
    const signals = new Map<string, AbortSignal>();
    let finishA: () => void = () => undefined;
    const start = (name: string, done: Promise<void>) =>
      cancels.track({}, async (options) => {
        options.onEvent?.({ uniqueName: name } as never);
        signals.set(name, options.signal as AbortSignal);
        await done;
      });
    const a = start('a-1', new Promise((resolve) => (finishA = resolve)));
    const b = start('b-1', Promise.resolve());
    await b;
    expect(cancels.cancel('a-1')).toMatch(/^canceling task a-1: .*goes on with its other tasks$/);
    expect(signals.get('a-1')?.aborted).toBe(true);
    expect(signals.get('b-1')?.aborted).toBe(false);
    expect(cancels.cancel('a-1')).toBe('task a-1 is already being canceled');
    expect(cancels.cancel('b-1')).toBe('task b-1 has already ended');
    expect(cancels.cancel('c-1')).toBe('no task c-1 in this run');
    finishA();
    await a;
  });
});
