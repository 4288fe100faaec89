import { encodePageToken } from '@capstan/tes-model';
import { type TesListResult } from '../service/tes-service';

/** Room for the envelope (`{"tasks":[...],"next_page_token":"..."}`) besides the tasks; a token is under 100 bytes. */
const ENVELOPE_BYTES = 256;

/**
 * The JSON text of a ListTasks answer, kept under `budgetBytes`: the page ends before the first task that would go
 * over it, and its `next_page_token` then points right after the last task kept, so a client paging on still gets
 * every task once. The first task is always kept (one task over the budget alone is bounded by the maximum task size),
 * so paging always moves on. The tasks' JSON texts are joined as they are: a page is serialised once, here.
 */
export function pageJson(result: TesListResult, budgetBytes: number): string {
  const tasks = result.tasks;
  // A UTF-16 code unit is at most 3 bytes of UTF-8: a page whose characters, tripled, fit is under the budget as a
  // whole, and no task's bytes need counting (a MINIMAL page always is).
  let characters = 0;
  for (const task of tasks) characters += task.json.length + 1;
  const kept = ENVELOPE_BYTES + 3 * characters <= budgetBytes ? tasks.length : keptWithin(tasks, budgetBytes);
  const last = tasks[kept - 1];
  const token = kept < tasks.length && last !== undefined ? encodePageToken({ after: last.id }) : result.next_page_token;
  // Joined, not concatenated: one flat string for the socket rather than a rope it would have to flatten.
  const texts: string[] = [];
  for (let index = 0; index < kept; index += 1) texts.push(tasks[index]?.json ?? '');
  return `{"tasks":[${texts.join(',')}]${token === undefined ? '' : `,"next_page_token":${JSON.stringify(token)}`}}`;
}

/** How many of the tasks, from the first, fit the budget in bytes; at least one. */
function keptWithin(tasks: TesListResult['tasks'], budgetBytes: number): number {
  let used = ENVELOPE_BYTES;
  let kept = 0;
  for (const task of tasks) {
    const size = Buffer.byteLength(task.json, 'utf8') + 1;
    if (kept > 0 && used + size > budgetBytes) break;
    used += size;
    kept += 1;
  }
  return kept;
}
