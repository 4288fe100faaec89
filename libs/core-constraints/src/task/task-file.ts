import { readFile } from 'node:fs/promises';
import { CapstanError, ErrorCode } from '../errors/capstan-error';
import { type Task } from './task';

/**
 * Reads a task file (YAML, or JSON, which is YAML too) and validates it. Relative input sources are host paths
 * relative to the task file's folder; URLs are kept as written.
 */
export async function loadTaskFile(file: string): Promise<Task> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(error as Error).message})`;
    throw new CapstanError(ErrorCode.FileUnreadable, `task file ${file} ${reason}; give the path of a YAML or JSON task file`, {
      cause: error,
      details: { value: file },
    });
  }
  // Imported here, not at the top: the YAML parser is evaluated only by a command that reads a task file (start-up
  // cost: a quick-form `capstan run -- CMD` never needs it).
  const { parseTaskText } = await import('./task-text');
  return parseTaskText(text, file);
}
