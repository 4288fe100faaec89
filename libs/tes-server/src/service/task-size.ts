import { CapstanError, ErrorCode, formatBytes } from '@capstan/core-constraints';
import { type StoredTesTask } from '@capstan/tes-model';

/** The config key operators raise; named in the 413 so the client can tell them what to change. */
export const MAX_TASK_SETTING = 'api.maxTaskBytes';

/**
 * Refuses a task whose stored document (its JSON as the store keeps it) is larger than `maxBytes`: the body limit
 * bounds one request, this bounds what every later GET and FULL list page of the task costs.
 */
export function checkTaskSize(task: StoredTesTask, maxBytes: number): void {
  const text = JSON.stringify(task);
  // UTF-8 takes at most 3 bytes for each UTF-16 unit: a task that short is within the limit without counting.
  if (text.length * 3 <= maxBytes) return;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= maxBytes) return;
  throw new CapstanError(
    ErrorCode.TesBodyTooLarge,
    `the task is ${bytes} bytes as stored, above the maximum task size of ${maxBytes} bytes (${formatBytes(maxBytes)}); put large input content behind a url, or ask the operator to raise ${MAX_TASK_SETTING}`,
    { path: null, details: { bytes, limit: maxBytes, setting: MAX_TASK_SETTING } },
  );
}
