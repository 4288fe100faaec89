import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { chmod, lstat, rm } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { isAlive, type ProcessEntry } from './process-registry';

/** A request or an answer longer than this is not one of ours: the connection is dropped. */
const MESSAGE_MAX_BYTES = 4 * 1024;
const ANSWER_TIMEOUT_MS = 5_000;
/** A unique task name as naming makes it: lowercase letters, digits and dashes. */
const TASK_NAME = /^[a-z0-9-]{1,200}$/;

/** Where a run with this pid listens, beside its registry entry. */
export function channelPath(folder: string, pid: number): string {
  return join(folder, `${pid}.sock`);
}

/**
 * A `capstan run`'s door for `capstan top`: a Unix socket beside its registry entry, in the user's own 0700 folder
 * (process-registry refuses a folder that is a link or another user's), so only this user reaches it. One request
 * per connection: `{"cancel":"<unique task name>"}`, one line; the answer is `{"message":"..."}`.
 */
export class CancelChannel {
  private constructor(
    private readonly server: Server,
    readonly path: string,
  ) {}

  static async open(folder: string, cancelTask: (uniqueName: string) => string): Promise<CancelChannel> {
    const path = channelPath(folder, process.pid);
    // A socket left by an earlier process with this pid (killed with -9) would make listen fail with EADDRINUSE.
    await rm(path, { force: true });
    const server = createServer((socket) => serveOne(socket, cancelTask));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    // The run must not wait for top: the channel never keeps the process alive on its own.
    server.unref();
    await chmod(path, 0o600);
    return new CancelChannel(server, path);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await rm(this.path, { force: true });
  }
}

function serveOne(socket: Socket, cancelTask: (uniqueName: string) => string): void {
  socket.setTimeout(ANSWER_TIMEOUT_MS, () => socket.destroy());
  readLine(socket).then(
    (line) => {
      const name = (() => {
        try {
          const request = JSON.parse(line) as { cancel?: unknown };
          return typeof request.cancel === 'string' && TASK_NAME.test(request.cancel) ? request.cancel : undefined;
        } catch {
          return undefined;
        }
      })();
      const message = name === undefined ? 'not a cancel request: give {"cancel":"<task>"} with the task\'s unique name' : cancelTask(name);
      socket.end(`${JSON.stringify({ message })}\n`);
    },
    () => socket.destroy(),
  );
}

/** The first line the peer sends, at most MESSAGE_MAX_BYTES; rejects on more, or on the end before a newline. */
function readLine(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      const end = text.indexOf('\n');
      if (end >= 0) resolve(text.slice(0, end));
      else if (Buffer.byteLength(text) > MESSAGE_MAX_BYTES) reject(new Error('too long'));
    });
    socket.on('end', () => reject(new Error('ended before a whole line')));
    socket.on('error', reject);
  });
}

/**
 * Asks the registered run to cancel one of its tasks. Refused when the entry is stale (the pid is gone or is another
 * process now) or its socket is not this user's own socket: a planted file or link is never connected to.
 */
export async function requestCancel(folder: string, entry: ProcessEntry, uniqueName: string): Promise<string> {
  if (!(await isAlive(entry.pid, entry.processStartedAt))) return `capstan run ${entry.pid} has already ended`;
  const path = channelPath(folder, entry.pid);
  const stats = await lstat(path).catch(() => undefined);
  const uid = process.getuid?.();
  if (stats === undefined || !stats.isSocket() || (uid !== undefined && stats.uid !== uid)) {
    throw new CapstanError(ErrorCode.RunNotFound, `capstan run ${entry.pid} has no cancel channel of this user's at ${path} (${stats === undefined ? 'none' : stats.isSocket() ? `owner uid ${stats.uid}` : 'not a socket'}); it predates per-task cancel, or was not started by this user: stop the whole run with kill -TERM ${entry.pid}`, {
      details: { field: 'channel', value: path, limit: `a socket owned by uid ${uid}` },
    });
  }
  const socket = createConnection(path);
  socket.setTimeout(ANSWER_TIMEOUT_MS, () => socket.destroy(new Error(`capstan run ${entry.pid} gave no answer within ${ANSWER_TIMEOUT_MS / 1000} s`)));
  socket.write(`${JSON.stringify({ cancel: uniqueName })}\n`);
  try {
    const answer = JSON.parse(await readLine(socket)) as { message?: unknown };
    if (typeof answer.message !== 'string') throw new Error('its answer has no message');
    return answer.message.slice(0, 500);
  } finally {
    socket.destroy();
  }
}
