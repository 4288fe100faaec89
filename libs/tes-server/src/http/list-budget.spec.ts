import { decodePageToken, type TesTaskInView } from '@capstan/tes-model';
import { type TesListResult } from '../service/tes-service';
import { pageJson } from './list-budget';

const view = (id: string, bytes: number): TesTaskInView => ({ id, state: 'COMPLETE', description: 'x'.repeat(bytes) });
const listed = (...views: TesTaskInView[]): TesListResult['tasks'] => views.map((task) => ({ id: task.id ?? '', json: JSON.stringify(task) }));
const read = (text: string): { tasks: TesTaskInView[]; next_page_token?: string } => JSON.parse(text) as { tasks: TesTaskInView[]; next_page_token?: string };

describe('pageJson', () => {
  it('ends the page before the task that would pass the budget, with a token right after the last task kept', () => {
    const text = pageJson({ tasks: listed(view('c', 40_000), view('b', 40_000), view('a', 40_000)) }, 100_000);
    const page = read(text);
    expect(page.tasks.map((kept) => kept.id)).toEqual(['c', 'b']);
    expect(decodePageToken(page.next_page_token ?? '')).toEqual({ after: 'b' });
    expect(Buffer.byteLength(text)).toBeLessThan(100_000);
  });

  it('keeps a page under the budget as it is, the store\'s own token included or not, exactly as JSON.stringify writes it', () => {
    const tasks = [view('b', 10), view('a', 10)];
    expect(pageJson({ tasks: listed(...tasks) }, 100_000)).toBe(JSON.stringify({ tasks }));
    expect(pageJson({ tasks: listed(...tasks), next_page_token: 'T' }, 100_000)).toBe(JSON.stringify({ tasks, next_page_token: 'T' }));
    expect(pageJson({ tasks: [] }, 100_000)).toBe('{"tasks":[]}');
  });

  it('keeps one task larger than the budget alone, so that paging moves on (hostile: a huge FULL task)', () => {
    const page = read(pageJson({ tasks: listed(view('b', 50_000), view('a', 10)) }, 20_000));
    expect(page.tasks.map((kept) => kept.id)).toEqual(['b']);
    expect(decodePageToken(page.next_page_token ?? '')).toEqual({ after: 'b' });
  });

  it('keeps every task of a page that fits in bytes though not at three bytes a character', () => {
    const tasks = [view('b', 20_000), view('a', 20_000)];
    expect(pageJson({ tasks: listed(...tasks) }, 100_000)).toBe(JSON.stringify({ tasks }));
  });

  it('counts bytes, not characters (multi-byte text)', () => {
    const wide = (id: string): TesTaskInView => ({ id, state: 'COMPLETE', description: '\u00e9'.repeat(30_000) });
    expect(read(pageJson({ tasks: listed(wide('b'), wide('a')) }, 100_000)).tasks.length).toBe(1);
  });
});
