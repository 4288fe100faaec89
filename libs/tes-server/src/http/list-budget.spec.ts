import { decodePageToken, type TesTaskInView } from '@capstan/tes-model';
import { fitToBudget } from './list-budget';

const task = (id: string, bytes: number): TesTaskInView => ({ id, state: 'COMPLETE', description: 'x'.repeat(bytes) });

describe('fitToBudget', () => {
  it('ends the page before the task that would pass the budget, with a token right after the last task kept', () => {
    const tasks = [task('c', 40_000), task('b', 40_000), task('a', 40_000)];
    const page = fitToBudget({ tasks }, 100_000);
    expect(page.tasks.map((kept) => kept.id)).toEqual(['c', 'b']);
    expect(page.next_page_token).toBeDefined();
    expect(decodePageToken(page.next_page_token ?? '')).toEqual({ after: 'b' });
    expect(Buffer.byteLength(JSON.stringify(page))).toBeLessThan(100_000);
  });

  it('keeps a page under the budget as it is, the store\'s own token included or not', () => {
    const tasks = [task('b', 10), task('a', 10)];
    expect(fitToBudget({ tasks }, 100_000)).toEqual({ tasks });
    expect(fitToBudget({ tasks, next_page_token: 'T' }, 100_000)).toEqual({ tasks, next_page_token: 'T' });
  });

  it('keeps one task larger than the budget alone, so that paging moves on (hostile: a huge FULL task)', () => {
    const page = fitToBudget({ tasks: [task('b', 50_000), task('a', 10)] }, 20_000);
    expect(page.tasks.map((kept) => kept.id)).toEqual(['b']);
    expect(decodePageToken(page.next_page_token ?? '')).toEqual({ after: 'b' });
  });

  it('counts bytes, not characters (multi-byte text)', () => {
    const wide = (id: string): TesTaskInView => ({ id, state: 'COMPLETE', description: '\u00e9'.repeat(30_000) });
    expect(fitToBudget({ tasks: [wide('b'), wide('a')] }, 100_000).tasks.length).toBe(1);
  });
});
