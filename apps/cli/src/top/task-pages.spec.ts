import { MAX_LOADED, type Page, PAGE_SIZE, TaskPages } from './task-pages';
import { type TopTask } from './top-view';

const task = (index: number, group: TopTask['group'] = 'queued'): TopTask => ({ key: `t${index}`, name: `t${index}`, state: group, group });

/** A server's list, newest first: `count` tasks, the token naming the last task of the page before (as capstan serve's). */
function server(count: number, group: (index: number) => TopTask['group'] = () => 'queued') {
  const list = { newest: count };
  const reads: Array<string | undefined> = [];
  const fetchPage = async (token: string | undefined): Promise<Page> => {
    reads.push(token);
    const after = token === undefined ? list.newest + 1 : Number(token.slice(1));
    const tasks: TopTask[] = [];
    for (let index = after - 1; index >= 1 && tasks.length < PAGE_SIZE; index -= 1) tasks.push(task(index, group(index)));
    const last = tasks.at(-1);
    return { tasks, ...(last === undefined || last.key === 't1' ? {} : { next: last.key }) };
  };
  return { list, reads, fetchPage };
}

describe('TaskPages: top paging through a server list', () => {
  it('holds the newest page, loads the next ones on demand to the end, and says how much is loaded', async () => {
    const { fetchPage } = server(250);
    const pages = new TaskPages(fetchPage);
    await pages.refreshHead();
    expect(pages.paging()).toEqual({ loaded: 100, more: true, skipped: 0 });
    await pages.more(() => true);
    expect(pages.paging()).toEqual({ loaded: 200, more: true, skipped: 0 });
    await pages.more(() => true);
    expect(pages.paging()).toEqual({ loaded: 250, more: false, skipped: 0 });
    expect(new Set(pages.tasks().map((one) => one.key)).size).toBe(250);
    await pages.more(() => true);
    expect(pages.paging().loaded).toBe(250);
  });

  it('new tasks on the server open no gap: one pushed out of the newest page stays loaded', async () => {
    const { list, fetchPage } = server(250);
    const pages = new TaskPages(fetchPage);
    await pages.refreshHead();
    await pages.more(() => true);
    list.newest = 260;
    await pages.refreshHead();
    const keys = new Set(pages.tasks().map((one) => one.key));
    // The 100 newest and t150..t51 as loaded before: every task from the newest down to t51, once each.
    expect(keys.size).toBe(210);
    for (let index = 51; index <= 260; index += 1) expect(keys.has(`t${index}`)).toBe(true);
    await pages.more(() => true);
    expect(pages.paging()).toEqual({ loaded: 260, more: false, skipped: 0 });
  });

  it(`stays bounded: past ${MAX_LOADED} tasks the ones after the newest page are dropped and counted, and every task is still reached`, async () => {
    const { fetchPage } = server(12_000);
    const pages = new TaskPages(fetchPage);
    await pages.refreshHead();
    const seen = new Set(pages.tasks().map((one) => one.key));
    while (pages.paging().more) {
      await pages.more(() => true);
      expect(pages.paging().loaded).toBeLessThanOrEqual(MAX_LOADED);
      pages.tasks().forEach((one) => seen.add(one.key));
    }
    expect(seen.size).toBe(12_000);
    expect(pages.paging().skipped).toBeGreaterThan(0);
    pages.rewind();
    expect(pages.paging()).toEqual({ loaded: 100, more: true, skipped: 0 });
  });

  it('with a filter, reads on until a page holds a task it shows, at most 10 pages for one ask', async () => {
    const { reads, fetchPage } = server(3_000, (index) => (index === 1_450 ? 'failed' : 'succeeded'));
    const pages = new TaskPages(fetchPage);
    await pages.refreshHead();
    const failed = (one: TopTask): boolean => one.group === 'failed';
    // t1450 is 15 pages after the newest: one ask stops after 10 pages without it, the next finds it.
    await pages.more(failed);
    expect(reads).toHaveLength(1 + 10);
    expect(pages.tasks().filter(failed)).toEqual([]);
    await pages.more(failed);
    expect(reads).toHaveLength(1 + 15);
    expect(pages.tasks().filter(failed).map((one) => one.key)).toEqual(['t1450']);
  });

  it('hostile: a server whose token leads back to its first page forever gives no duplicate rows and no endless read', async () => {
    const pages = new TaskPages(async () => ({ tasks: [task(1), task(2)], next: 'again' }));
    await pages.refreshHead();
    await pages.more(() => false);
    expect(pages.tasks()).toHaveLength(2);
    expect(pages.paging().more).toBe(true);
  });

  it('fault: a page that fails leaves what is loaded as it was, and the next ask tries again', async () => {
    const { fetchPage } = server(300);
    let fail = false;
    const pages = new TaskPages(async (token) => {
      if (fail) throw new Error('ECONNREFUSED');
      return fetchPage(token);
    });
    await pages.refreshHead();
    fail = true;
    await expect(pages.more(() => true)).rejects.toThrow('ECONNREFUSED');
    expect(pages.paging()).toEqual({ loaded: 100, more: true, skipped: 0 });
    fail = false;
    await pages.more(() => true);
    expect(pages.paging().loaded).toBe(200);
  });
});
