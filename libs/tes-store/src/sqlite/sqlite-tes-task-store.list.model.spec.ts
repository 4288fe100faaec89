import {
  decodePageToken,
  type ListQuery,
  selectTaskPage,
  type StoredTesTask,
  storedTesTaskSchema,
  TES_STATES,
  TES_VIEWS,
  taskView,
} from '@capstan/tes-model';
import fc from 'fast-check';
import { storedTask } from '../testing/task-fixtures';
import { type ListTuning, SqliteTesTaskStore } from './sqlite-tes-task-store';

// The model test: on random task sets and queries, every page the store lists (walking all pages, with tasks added
// between pages) equals tes-model's reference semantics, `selectTaskPage` + `taskView`, token included.

/** Characters that break naive SQL or JSON: LIKE wildcards, the escapes, quotes, a control character, case, accents, a pair and lone surrogates. */
const awkward = fc.constantFrom('a', 'b', 'A', '%', '_', '\\', "'", '"', '\u0001', '\u00e9', '\ue000', '\uffff', '\u{1f600}', '\ud83d', '\ude00');
const text = (minLength: number, maxLength: number) => fc.string({ unit: awkward, minLength, maxLength });

/** Ids as the server makes them (ULID-like) and arbitrary ones, whose order JavaScript and UTF-8 disagree on. */
const taskIdArbitrary = fc.oneof(fc.stringMatching(/^0[0-9A-HJKMNP-TV-Z]{3}$/), text(1, 4));
const tagKey = fc.constantFrom('project', '%', 'a_b', '\u{1f600}');
const tagValue = fc.constantFrom('', 'x', 'y', '%', '_', '\ud83d');
/** A filter value: often empty (any value), so that filters match enough tasks for several pages. */
const filterValue = fc.oneof({ weight: 2, arbitrary: fc.constant('') }, { weight: 3, arbitrary: tagValue });

const taskArbitrary = (id: string) =>
  fc
    .record({
      name: fc.option(text(0, 4), { nil: undefined }),
      tags: fc.dictionary(tagKey, tagValue, { maxKeys: 3 }),
      state: fc.constantFrom(...TES_STATES),
      content: fc.option(text(1, 3), { nil: undefined }),
      ran: fc.boolean(),
    })
    .map((fields) => storedTesTaskSchema.parse(storedTask({ id, ...fields })));

/** Tasks with distinct ids: the first `initial` are there from the start, the rest are added while paging. */
const tasksArbitrary = fc.uniqueArray(taskIdArbitrary, { maxLength: 30 }).chain((ids) => fc.tuple(...ids.map(taskArbitrary)) as fc.Arbitrary<StoredTesTask[]>);

const queryArbitrary: fc.Arbitrary<ListQuery> = fc.record({
  pageSize: fc.integer({ min: 1, max: 5 }),
  pageToken: fc.constant(undefined),
  cursor: fc.constant(undefined),
  namePrefix: fc.option(text(0, 2), { nil: undefined }),
  state: fc.option(fc.constantFrom(...TES_STATES), { nil: undefined, freq: 3 }),
  tags: fc.dictionary(tagKey, filterValue, { maxKeys: 2 }),
  view: fc.constantFrom(...TES_VIEWS),
});

/** Small limits send name prefixes through the id scan, large ones through the name index, {} computes it. */
const nameIndexLimit = fc.constantFrom<ListTuning>({}, { nameIndexLimit: 0 }, { nameIndexLimit: 1 }, { nameIndexLimit: 3 }, { nameIndexLimit: 4096 });

describe('SqliteTesTaskStore.list against tes-model', () => {
  it('gives every page exactly as selectTaskPage and taskView do, while tasks are added', () => {
    fc.assert(
      fc.property(tasksArbitrary, fc.nat(), queryArbitrary, nameIndexLimit, (tasks, split, firstQuery, tuning) => {
        const initial = tasks.length === 0 ? 0 : split % (tasks.length + 1);
        const model = tasks.slice(0, initial);
        const late = tasks.slice(initial);
        const store = new SqliteTesTaskStore({ file: ':memory:' }, tuning);
        try {
          for (const task of model) store.insert(task);
          let query = firstQuery;
          for (let pages = 0; pages <= tasks.length + 1; pages++) {
            const expected = selectTaskPage(model, query);
            const page = store.list(query);
            expect(page.tasks).toEqual(expected.tasks.map((task) => taskView(task, query.view)));
            expect(page.nextPageToken).toBe(expected.nextPageToken);
            // The page as sent: byte for byte what serialising the views gives (key order, redaction and all).
            const sent = store.listJson(query);
            expect(sent.tasks.map((task) => task.json)).toEqual(expected.tasks.map((task) => JSON.stringify(taskView(task, query.view))));
            expect(sent.tasks.map((task) => task.id)).toEqual(expected.tasks.map((task) => task.id));
            expect(sent.nextPageToken).toBe(expected.nextPageToken);
            if (page.nextPageToken === undefined) return;
            // A task created between two pages.
            const added = late.shift();
            if (added !== undefined) {
              model.push(added);
              store.insert(added);
            }
            query = { ...query, pageToken: page.nextPageToken, cursor: decodePageToken(page.nextPageToken) };
          }
          throw new Error('the pages did not end');
        } finally {
          store.close();
        }
      }),
      { numRuns: 500 },
    );
  });

  it('walks the pages of an unchanging set to every matching task once, newest first', () => {
    fc.assert(
      fc.property(tasksArbitrary, queryArbitrary, nameIndexLimit, (tasks, query, tuning) => {
        const store = new SqliteTesTaskStore({ file: ':memory:' }, tuning);
        try {
          for (const task of tasks) store.insert(task);
          const seen: string[] = [];
          let page = store.list(query);
          seen.push(...page.tasks.map((task) => task.id ?? ''));
          while (page.nextPageToken !== undefined) {
            expect(page.tasks).toHaveLength(query.pageSize);
            expect(seen.length).toBeLessThanOrEqual(tasks.length);
            page = store.list({ ...query, pageToken: page.nextPageToken, cursor: decodePageToken(page.nextPageToken) });
            seen.push(...page.tasks.map((task) => task.id ?? ''));
          }
          const everything = selectTaskPage(tasks, { ...query, pageSize: tasks.length + 1 }).tasks.map((task) => task.id);
          expect(seen).toEqual(everything);
        } finally {
          store.close();
        }
      }),
    );
  });
});
