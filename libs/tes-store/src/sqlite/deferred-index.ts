import { isFinal, type StoredTesTask } from '@capstan/tes-model';
import type Database from 'better-sqlite3';
import { type TagRow, toTagRows } from './task-row';
import { utf16Key } from './utf16-key';

/** What the index tables hold of one task: its `tasks` row and its `task_tags` rows. */
export interface IndexRows {
  readonly id: string;
  readonly seq: number;
  readonly idKey: Buffer;
  readonly state: string;
  readonly nameKey: Buffer | null;
  readonly creationTime: string;
  readonly owner: string;
  readonly finishedTime: string | null;
  readonly tags: readonly TagRow[];
}

/** The fields of a task its index rows are made of: all of them in its BASIC document too. */
export type IndexedFields = Pick<StoredTesTask, 'id' | 'state' | 'name' | 'creation_time' | 'tags'>;

/** The index rows of a task stored as document `seq`; a task already final counts as finished at `now`. */
export function indexRowsOf(task: IndexedFields, seq: number, owner: string, now: () => string): IndexRows {
  return {
    id: task.id,
    seq,
    idKey: utf16Key(task.id),
    state: task.state,
    nameKey: task.name === undefined ? null : utf16Key(task.name),
    creationTime: task.creation_time,
    owner,
    finishedTime: isFinal(task.state) ? now() : null,
    tags: toTagRows(task.tags),
  };
}

/** When a batch of index rows is written: at this many tasks, or this long after the first of them. */
export interface IndexBatching {
  /** Write the batch as soon as this many tasks wait. */
  readonly maxTasks: number;
  /** Write the batch this many milliseconds after its first task at the latest. */
  readonly delayMs: number;
}

export const DEFAULT_INDEX_BATCHING: IndexBatching = { maxTasks: 256, delayMs: 50 };

/**
 * The index rows of stored tasks, written in batches rather than in each create's commit.
 *
 * A create commits its document (`task_documents`, one b-tree, appended at its end); the rows of `tasks`, its four
 * indexes and `task_tags` with its index touch about a dozen more pages, which one commit per create pays in full
 * (measured with the server's own schema: ~120 us against ~40 us for the document alone and its share of a batch).
 * So they wait here, and are written in one transaction together with `index_state.indexed_seq`, the newest document
 * they cover:
 * - when {@link IndexBatching.maxTasks} tasks wait, or {@link IndexBatching.delayMs} after the first one;
 * - before any read or change of stored tasks ({@link flush}), so every read sees every task whose create returned;
 * - at open, from the documents past `indexed_seq` (their owner is in the document's row): a process that ended
 *   without writing them loses nothing but the work.
 * A batch that fails (a full disk) is rolled back and kept; the next read writes it again or reports the error.
 */
export class DeferredIndex {
  private waiting: IndexRows[] = [];
  private readonly waitingIds = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly writeBatch: (rows: readonly IndexRows[]) => void;

  constructor(
    db: Database.Database,
    private readonly batching: IndexBatching = DEFAULT_INDEX_BATCHING,
  ) {
    const insertTask = db.prepare('INSERT INTO tasks (id_key, state, name_key, creation_time, seq, owner, finished_time) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const insertTag = db.prepare('INSERT INTO task_tags (key, value, task_key) VALUES (?, ?, ?)');
    const markIndexed = db.prepare('UPDATE index_state SET indexed_seq = max(indexed_seq, ?)');
    this.writeBatch = db.transaction((rows: readonly IndexRows[]) => {
      let newest = 0;
      for (const row of rows) {
        insertTask.run(row.idKey, row.state, row.nameKey, row.creationTime, row.seq, row.owner, row.finishedTime);
        for (const tag of row.tags) insertTag.run(tag.key, tag.value, row.idKey);
        newest = Math.max(newest, row.seq);
      }
      markIndexed.run(newest);
    });
  }

  /** Whether the task `id` waits for its index rows. */
  has(id: string): boolean {
    return this.waitingIds.has(id);
  }

  /** Tasks whose documents are committed: their index rows are written with the next batch. */
  add(rows: readonly IndexRows[]): void {
    for (const row of rows) {
      this.waiting.push(row);
      this.waitingIds.add(row.id);
    }
    if (this.waiting.length >= this.batching.maxTasks) {
      this.flush();
    } else if (this.waiting.length > 0 && this.timer === undefined) {
      this.timer = setTimeout(() => this.flushLater(), this.batching.delayMs);
      this.timer.unref();
    }
  }

  /** Writes every waiting task's index rows now (nothing when none wait). Throws what SQLite threw; the rows stay. */
  flush(): void {
    this.stopTimer();
    if (this.waiting.length === 0) return;
    this.writeBatch(this.waiting);
    this.waiting = [];
    this.waitingIds.clear();
  }

  /** Stops the timer; what waits is written again from the documents at the next open. */
  close(): void {
    this.stopTimer();
  }

  private flushLater(): void {
    this.timer = undefined;
    try {
      this.flush();
    } catch {
      // Kept: the next read of the store writes the batch again, and reports the error to its caller if it persists.
    }
  }

  private stopTimer(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
