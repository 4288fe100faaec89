import { suggestKey } from '../schema/keys';
import { formatBytes } from '../units/size';
import { type Hints, KNOWN_HINT_KEYS } from './hints';
import { type Task } from './task';

/** Below this, a memory size is almost surely a number of MiB written without its unit (WDL reads it as bytes). */
export const SMALL_MEMORY_BYTES = 4 * 1024 * 1024;

const LONGEST_HINT_KEY = Math.max(...KNOWN_HINT_KEYS.map((key) => key.length));

/**
 * Hints Capstan does not read but that are one slip away from one it does. Hints stay open (WDL: unknown hints are
 * kept and ignored), so this only warns, and only for near misses: a custom hint is legal. The tolerance is tighter
 * than for closed keys (2 edits at most, 1 for keys under 6 characters) because a far match would flag custom hints.
 */
export function hintWarnings(hints: Hints): string[] {
  const warnings: string[] = [];
  for (const key of Object.keys(hints.other)) {
    // Longer keys cannot be within 2 edits of a known one; skipping them keeps a hostile 1 MB key cheap.
    if (KNOWN_HINT_KEYS.includes(key) || key.length > LONGEST_HINT_KEY + 2) continue;
    const suggestion = suggestKey(key, KNOWN_HINT_KEYS, key.length < 6 ? 1 : 2);
    if (suggestion === undefined) continue;
    // The key is quoted as JSON: it is the task author's text, and must not put control characters on a terminal.
    warnings.push(`hint ${JSON.stringify(key)} is not one Capstan knows, so it is kept as a custom hint and does nothing; did you mean "${suggestion}"?`);
  }
  return warnings;
}

/**
 * A memory size under 4 MiB is legal (a bare number is bytes, as the spec says) but no real program runs in it: the
 * author most likely meant MiB.
 */
export function memoryWarnings(task: Pick<Task, 'requirements' | 'hints'>): string[] {
  const sizes: Array<[string, number | undefined]> = [
    ['requirements.memory', task.requirements.memory],
    ['hints.max_memory', task.hints.maxMemory],
  ];
  return sizes
    .filter((entry): entry is [string, number] => entry[1] !== undefined && entry[1] < SMALL_MEMORY_BYTES)
    .map(([field, bytes]) => {
      const guess = Number.isInteger(bytes) && bytes > 0 ? `; did you mean "${bytes} MiB"?` : '';
      return `${field} is ${formatBytes(bytes)} (${bytes} bytes): a size without a unit is bytes, and under 4 MiB almost no program runs${guess}`;
    });
}

/** What is legal in a task but probably not what its author meant; `plan` and `run` show these. */
export function taskWarnings(task: Pick<Task, 'requirements' | 'hints'>): string[] {
  return [...hintWarnings(task.hints), ...memoryWarnings(task)];
}
