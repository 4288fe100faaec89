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
  let used = ENVELOPE_BYTES;
  let kept = 0;
  for (const task of result.tasks) {
    const size = Buffer.byteLength(task.json, 'utf8') + 1;
    if (kept > 0 && used + size > budgetBytes) break;
    used += size;
    kept += 1;
  }
  const last = result.tasks[kept - 1];
  const token = kept < result.tasks.length && last !== undefined ? encodePageToken({ after: last.id }) : result.next_page_token;
  const tasks = result.tasks.slice(0, kept).map((task) => task.json);
  return `{"tasks":[${tasks.join(',')}]${token === undefined ? '' : `,"next_page_token":${JSON.stringify(token)}`}}`;
}
