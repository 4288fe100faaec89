import { shown } from '@capstan/cli-spec';
import { CapstanError, ErrorCode, parseTask, type Task, URL_SOURCE } from '@capstan/core-constraints';
import { shellQuote } from '@capstan/support';
import { stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';

export interface QuickTaskOptions {
  readonly command: readonly string[];
  /** Absent: any container ("*"): the local backend, or the configured default container. */
  readonly image?: string | undefined;
  readonly name?: string | undefined;
  readonly cpu?: string | undefined;
  readonly memory?: string | undefined;
  readonly env?: readonly string[] | undefined;
  readonly input?: readonly string[] | undefined;
  readonly output?: readonly string[] | undefined;
  readonly retries?: string | undefined;
  /** Relative input sources are read from here. */
  readonly cwd?: string;
}

const MAX_RETRIES = 20;

/** Which flag set which part of the task, so that a refused value is reported in the words the user typed. */
const FLAG_OF_PATH: ReadonlyArray<[RegExp, string]> = [
  [/^requirements\.container/, 'image'],
  [/^requirements\.cpu/, 'cpu'],
  [/^requirements\.memory/, 'memory'],
  [/^requirements\.max_retries/, 'retries'],
  [/^inputs\./, 'input'],
  [/^outputs\./, 'output'],
  [/^env/, 'env'],
  [/^name/, 'name'],
];

/**
 * A task from `capstan run [--image IMG] ... -- CMD ARGS...`: the arguments are quoted, so they reach the program as
 * given. Bad values are usage errors naming the flag, the value and the fix.
 */
export async function quickTask(options: QuickTaskOptions): Promise<Task> {
  const inputs = await Promise.all((options.input ?? []).map((spec) => quickInput(spec, options.cwd ?? process.cwd())));
  const document = {
    name: options.name ?? defaultName(options.command[0]),
    command: options.command.map(shellQuote).join(' '),
    requirements: {
      container: options.image ?? '*',
      ...(options.cpu === undefined ? {} : { cpu: Number(options.cpu) }),
      ...(options.memory === undefined ? {} : { memory: /^\d+$/.test(options.memory) ? Number(options.memory) : options.memory }),
      ...(options.retries === undefined ? {} : { max_retries: retriesOf(options.retries) }),
    },
    inputs,
    outputs: options.output ?? [],
    env: Object.fromEntries((options.env ?? []).map(envPair)),
  };
  try {
    return parseTask(document);
  } catch (error) {
    throw asFlagError(error);
  }
}

function asFlagError(error: unknown): unknown {
  if (!(error instanceof CapstanError) || error.path === null) return error;
  const path = error.path;
  const flag = FLAG_OF_PATH.find(([pattern]) => pattern.test(path))?.[1];
  if (flag === undefined) return error;
  return new CapstanError(ErrorCode.Usage, `--${flag}: ${error.message}`, { cause: error, details: { ...error.details, flag } });
}

function usage(flag: string, value: string, problem: string): CapstanError {
  return new CapstanError(ErrorCode.Usage, `--${flag} ${shown(value)}: ${problem}`, { details: { flag, value } });
}

function retriesOf(text: string): number {
  if (!/^[0-9]{1,2}$/.test(text) || Number(text) > MAX_RETRIES) {
    throw usage('retries', text, `give a whole number from 0 to ${MAX_RETRIES} (how often a failed task runs again), e.g. --retries 2`);
  }
  return Number(text);
}

function envPair(pair: string): [string, string] {
  const at = pair.indexOf('=');
  if (at <= 0) throw usage('env', pair, 'give NAME=VALUE, e.g. --env THREADS=4');
  return [pair.slice(0, at), pair.slice(at + 1)];
}

/** `SRC[:DEST]`: a host file or folder, and where the task sees it (an absolute path; default under /mnt/task/inputs). */
async function quickInput(spec: string, cwd: string): Promise<{ source: string; path?: string; type: 'file' | 'directory' }> {
  if (URL_SOURCE.test(spec)) return urlInput(spec);
  // A host path may hold ":" itself: the whole word names the source when it exists.
  const whole = await kindOf(resolve(cwd, spec));
  const at = spec.lastIndexOf(':');
  const split = whole === undefined && at >= 0;
  const source = split ? spec.slice(0, at) : spec;
  const dest = split ? spec.slice(at + 1) : undefined;
  if (source.trim() === '') throw usage('input', spec, 'give a host file or folder, e.g. --input data/reads.fq or --input data/reads.fq:/data/reads.fq');
  if (dest !== undefined && !isAbsolute(dest)) {
    throw usage('input', spec, `the destination "${shown(dest)}" is not an absolute path; write SRC:/absolute/path, e.g. ${shown(source)}:/data/${shown(source.split('/').pop() ?? 'input')}`);
  }
  const type = whole ?? (await kindOf(resolve(cwd, source)));
  if (type === undefined) throw usage('input', spec, `${shown(resolve(cwd, source))} does not exist; give a host file or folder (relative paths are from the current folder)`);
  return { source: resolve(cwd, source), ...(dest === undefined ? {} : { path: dest }), type };
}

/**
 * `URL[:DEST]` (`s3://bucket/key:/data/x`): fetched by the run's transfer. Only a colon followed by `/` after the
 * scheme's `://` starts DEST (a port's or a key's own colon does not); a URL ending in `/` names a prefix, brought in
 * as a folder.
 */
function urlInput(spec: string): { source: string; path?: string; type: 'file' | 'directory' } {
  const at = spec.lastIndexOf(':');
  const split = at > spec.indexOf('://') && spec[at + 1] === '/';
  const source = split ? spec.slice(0, at) : spec;
  const dest = split ? spec.slice(at + 1) : undefined;
  return { source, ...(dest === undefined ? {} : { path: dest }), type: source.endsWith('/') ? 'directory' : 'file' };
}

async function kindOf(path: string): Promise<'file' | 'directory' | undefined> {
  try {
    return (await stat(path)).isDirectory() ? 'directory' : 'file';
  } catch {
    return undefined;
  }
}

/** The command's file name, as a task name: printable, short, never empty. */
function defaultName(program: string | undefined): string {
  const base = (program ?? '').split('/').pop() ?? '';
  const name = base.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[-.]+/, '').slice(0, 64);
  return name === '' ? 'task' : name;
}

