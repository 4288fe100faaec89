import { formatBytes } from '@capstan/core-constraints';
import { type AttemptRecord, type TaskResult } from '@capstan/engine';
import { readTaskFileTail } from '@capstan/task-files';

/** At most this much of each stream is read, whatever the file's size, and at most this many lines shown. */
const TAIL_BYTES = 8 * 1024;
const TAIL_LINES = 12;
const LINE_CHARS = 300;

/**
 * Why each task that did not succeed ended, for people: the exit code and end reason of its last attempt, the tail of
 * its stderr and stdout as the engine captured them, and the paths of the whole files. Also, for every task, the
 * memory each attempt had when an out-of-memory end raised it. The streams live in the task's folder: they are read
 * through task-files (a link a task planted there is refused, not followed) and shown without control characters.
 */
export async function failureDetails(results: readonly TaskResult[]): Promise<string> {
  const blocks: string[] = [];
  for (const result of results) {
    const memory = memoryNote(result.attempts);
    if (memory !== undefined) blocks.push(`  ${result.taskName}: ${memory}`);
    if (result.state === 'succeeded' || result.state === 'canceled') continue;
    const last = result.attempts[result.attempts.length - 1];
    if (last === undefined) continue;
    blocks.push(await describeFailure(result, last));
  }
  return blocks.length === 0 ? '' : `${blocks.join('\n')}\n`;
}

async function describeFailure(result: TaskResult, last: AttemptRecord): Promise<string> {
  const exit = last.exitCode === null ? 'no exit code' : `exit ${last.exitCode}`;
  const tries = result.attempts.length === 1 ? '1 attempt' : `${result.attempts.length} attempts`;
  // Capstan's own error is already on the summary's error line: not twice.
  const why = last.message !== undefined && result.error === undefined ? `: ${clean(last.message)}` : '';
  const lines = [`  ${result.taskName}: ${result.state}: ${exit}, end reason ${last.endReason}, after ${tries}${why}`];
  if (result.folderDeleted) {
    lines.push('    its folder was deleted (retention); keep it with --retention keep to see its output');
    return lines.join('\n');
  }
  for (const stream of ['stderr', 'stdout'] as const) lines.push(...(await streamTail(last.folder, stream)));
  return lines.join('\n');
}

async function streamTail(folder: string, stream: 'stderr' | 'stdout'): Promise<string[]> {
  const path = `${folder}/${stream}`;
  let text: string;
  try {
    text = await readTaskFileTail(folder, stream, TAIL_BYTES);
  } catch (error) {
    return [`    ${stream}: not shown (${clean(error instanceof Error ? error.message : String(error))})`];
  }
  const all = text.split('\n');
  if (all[all.length - 1] === '') all.pop();
  if (all.length === 0) return [`    ${stream}: empty (${path})`];
  const shown = all.slice(-TAIL_LINES);
  const cut = shown.length < all.length || text.length >= TAIL_BYTES;
  return [`    ${stream}, ${cut ? `its last ${shown.length} lines` : 'all of it'} (whole file: ${path}):`, ...shown.map((line) => `      | ${clip(clean(line))}`)];
}

/** The task's output may hold terminal escapes (cursor moves, title changes, a fake prompt): none reach the terminal. */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, '?').replace(/\n/g, ' ');
}

function clip(line: string): string {
  return line.length > LINE_CHARS ? `${line.slice(0, LINE_CHARS)}… (${line.length - LINE_CHARS} more characters)` : line;
}

function memoryNote(attempts: readonly AttemptRecord[]): string | undefined {
  const sizes = attempts.map((attempt) => attempt.memory);
  if (sizes.every((size) => size === sizes[0])) return undefined;
  return `memory raised after out-of-memory ends: ${attempts.map((attempt) => `attempt ${attempt.attempt} ${formatBytes(attempt.memory)}${attempt.memoryLimit === null ? '' : ` (limit ${formatBytes(attempt.memoryLimit)})`}`).join(', ')}`;
}
