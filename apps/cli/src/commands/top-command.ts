import { ExitCode } from '@capstan/support';
import { readFile } from 'node:fs/promises';
import { renderTop } from '../top/render';
import { LocalSource } from '../top/local-source';
import { apiBase, ServerSource } from '../top/server-source';
import { type TopSource } from '../top/top-source';
import { type CommandIo } from './common-options';
import { TOP_COMMAND } from './definitions';
import { parseOrHelp } from './parse-or-help';
import { reportFailure, usageError } from './report-failure';

const TOKEN_FILE_MAX_BYTES = 4096;
/** How long --once waits for the source's first reading. */
const ONCE_WAIT_MS = 10_000;

/** `capstan top`: the live console, or (`--once`) one screen of it as text. */
export async function topCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  try {
    const parsed = parseOrHelp(TOP_COMMAND, argv, io);
    if (parsed === undefined) return ExitCode.Ok;
    const { values, positionals } = parsed;
    if (positionals.length > 0) throw usageError(TOP_COMMAND, `top takes no arguments, not "${positionals[0]?.slice(0, 100)}"; attach to a server with --server URL`);
    if (values.token !== undefined && values['token-file'] !== undefined) throw usageError(TOP_COMMAND, 'give --token-file or --token, not both');
    const server = values.server;
    if (server === undefined && (values.token !== undefined || values['token-file'] !== undefined)) throw usageError(TOP_COMMAND, 'a token is for --server; without it top shows this host\'s runs');
    const token = values['token-file'] !== undefined ? await readToken(values['token-file']) : values.token;
    const source: TopSource = server === undefined ? new LocalSource() : new ServerSource(apiBase(server), token);
    if (values.once === true) return await once(source, io);
    if (process.stdin.isTTY !== true || process.stdout.isTTY !== true) {
      throw usageError(TOP_COMMAND, 'top needs a terminal on stdin and stdout; --once prints one screen as text');
    }
    const { runConsole } = await import('../top/top-console');
    return await runConsole(source, process.stdin, process.stdout);
  } catch (error) {
    return reportFailure(error, io, { json: false });
  }
}

async function readToken(file: string): Promise<string> {
  const text = await readFile(file, 'utf8');
  const token = text.split('\n')[0]?.trim() ?? '';
  if (token === '' || text.length > TOKEN_FILE_MAX_BYTES) throw usageError(TOP_COMMAND, `--token-file ${file} must hold the token on its first line (at most ${TOKEN_FILE_MAX_BYTES} bytes); it is ${token === '' ? 'empty' : 'too large'}`, { value: file });
  return token;
}

/** One frame, every row shown, as plain text: exit 69 when the source could not be read. */
async function once(source: TopSource, io: CommandIo): Promise<number> {
  let first: () => void = () => undefined;
  const read = new Promise<void>((resolve) => (first = resolve));
  source.start(() => first());
  const timer = setTimeout(() => first(), ONCE_WAIT_MS);
  await read;
  clearTimeout(timer);
  const { tasks, problem } = source.snapshot();
  await source.close();
  const frame = renderTop({ source: source.label, tasks, ...(problem === undefined ? {} : { problem }), filter: 'all', mode: 'list', width: process.stdout.columns || 160, height: tasks.length + 5, now: Date.now() });
  // The key help is for the console; a script gets the rows and the status line.
  io.stdout(`${frame.lines.slice(0, -1).join('\n').trimEnd()}\n`);
  return problem === undefined ? ExitCode.Ok : ExitCode.Unavailable;
}
