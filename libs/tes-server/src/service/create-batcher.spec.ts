import { createStoredTask, type StoredTesTask, validateCreateTask } from '@capstan/tes-model';
import { type TesTaskStore } from '@capstan/tes-store';
import { CreateBatcher } from './create-batcher';

/** One turn of the event loop: what the batcher hands on waits for it. */
const nextTurn = (): Promise<void> => new Promise((done) => setImmediate(done));

function task(name: string): StoredTesTask {
  return createStoredTask(validateCreateTask({ name, executors: [{ image: 'busybox', command: ['true'] }] }));
}

/** A store that records its transactions and refuses the tasks named "bad". */
function recordingStore(): { store: TesTaskStore; batches: string[][] } {
  const batches: string[][] = [];
  const refuse = (items: StoredTesTask[]): void => {
    if (items.some((item) => item.name === 'bad')) throw new Error('refused by the store');
    batches.push(items.map((item) => item.name ?? ''));
  };
  const store = { insertCreated: (items: StoredTesTask[]) => refuse(items), insert: (item: StoredTesTask) => refuse([item]) } as unknown as TesTaskStore;
  return { store, batches };
}

describe('CreateBatcher', () => {
  it('stores the creates of one turn in one transaction, answering each, then hands each id on', async () => {
    const { store, batches } = recordingStore();
    const stored: string[] = [];
    const batcher = new CreateBatcher(store, (task) => stored.push(task.id));
    const tasks = [task('a'), task('b'), task('c')];
    await Promise.all(tasks.map((item) => batcher.add(item, 'alice')));
    expect(batches).toEqual([['a', 'b', 'c']]);
    // Answered first; handed on in the next turn.
    expect(stored).toEqual([]);
    await nextTurn();
    expect(stored).toEqual(tasks.map((item) => item.id));
  });

  it('fails only the task the store refuses when a batch fails', async () => {
    const { store, batches } = recordingStore();
    const stored: string[] = [];
    const batcher = new CreateBatcher(store, (task) => stored.push(task.id));
    const [good, bad, other] = [task('a'), task('bad'), task('c')];
    const answers = await Promise.allSettled([batcher.add(good, 'alice'), batcher.add(bad, 'mallory'), batcher.add(other, 'bob')]);
    expect(answers.map((answer) => answer.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((answers[1] as PromiseRejectedResult).reason).toEqual(new Error('refused by the store'));
    expect(batches).toEqual([['a'], ['c']]);
    await nextTurn();
    expect(stored).toEqual([good.id, other.id]);
  });
});
