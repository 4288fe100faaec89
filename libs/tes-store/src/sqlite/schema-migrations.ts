import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { FINAL_STATES, TES_STATES } from '@capstan/tes-model';
import type Database from 'better-sqlite3';

/** One step of the file's schema: `sql` takes a file at version `version - 1` to `version`. */
interface Migration {
  readonly version: number;
  readonly sql: string;
}

const stateList = TES_STATES.map((state) => `'${state}'`).join(', ');
const finalStateList = FINAL_STATES.map((state) => `'${state}'`).join(', ');

/**
 * The schema's history, oldest first; a new version appends a step and never edits an old one. The version a file is
 * at is SQLite's `PRAGMA user_version` (0 for a new file).
 *
 * Version 1:
 * - `tasks`, one small row per task, clustered by id (WITHOUT ROWID): everything a list filters on or returns in
 *   MINIMAL, so those lists read no document. `seq` numbers the task in this file and keys its document. Indexed by
 *   state and by name (for `state=` lists and counts, and for selective name prefixes); both indexes hold the id
 *   and the state, so a page is chosen from them alone.
 * - `task_documents`: the task as JSON, split into its BASIC view and what BASIC leaves out (task-documents.ts).
 * - `task_tags`: one row per tag, clustered by (key, value, task) and indexed by (key, task): the tasks with a tag,
 *   with or without a given value, come out in id order, so a tag filter can drive a list page.
 * Ids, names and tags are UTF-16BE BLOBs, so SQL compares them as JavaScript does (utf16-key.ts).
 *
 * Version 2 (issue 10, several clients):
 * - `tasks.owner`: the principal that created the task. Tasks stored before have the empty owner, which no named
 *   principal has: only admins see them, since who created them is not known.
 * - `tasks.finished_time`: when the task reached a final state (for retention). Tasks already final at the upgrade
 *   get the upgrade's time, so retention counts their age from then and deletes nothing earlier than configured.
 * - `tasks_by_owner` keeps a principal's list pages an index range in id order; `tasks_by_finish` finds what
 *   retention deletes, oldest first, without scanning running tasks.
 *
 * Version 3 (issue 14, speed of the API):
 * - `tasks_by_owner` becomes (owner, id, state): a principal's MINIMAL page is then read from the index alone, in id
 *   order, without visiting the `tasks` row of each task for its state.
 *
 * Version 4 (issue 14, speed of creates): a create commits only its `task_documents` row; the index rows (`tasks` and
 * its indexes, `task_tags`) follow in batches (see deferred-index.ts).
 * - `task_documents.owner`: the creator, so that index rows lost with the process can be written again from the
 *   document alone (NULL in documents from before, which are all indexed).
 * - `index_state.indexed_seq`: every document up to this `seq` has its index rows (one row; set to the newest
 *   document at the upgrade). New documents get a `seq` above it, so at open the documents past it are the ones to
 *   index.
 */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE tasks (
        id_key BLOB PRIMARY KEY,
        state TEXT NOT NULL CHECK (state IN (${stateList})),
        name_key BLOB,
        creation_time TEXT NOT NULL,
        seq INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX tasks_by_state ON tasks (state);
      CREATE INDEX tasks_by_name ON tasks (name_key, state);
      CREATE TABLE task_documents (
        seq INTEGER PRIMARY KEY,
        basic_json TEXT NOT NULL,
        extra_json TEXT
      );
      CREATE TABLE task_tags (
        key BLOB NOT NULL,
        value BLOB NOT NULL,
        task_key BLOB NOT NULL,
        PRIMARY KEY (key, value, task_key)
      ) WITHOUT ROWID;
      CREATE INDEX task_tags_by_key ON task_tags (key, task_key);
    `,
  },
  {
    version: 2,
    sql: `
      ALTER TABLE tasks ADD COLUMN owner TEXT NOT NULL DEFAULT '';
      ALTER TABLE tasks ADD COLUMN finished_time TEXT;
      UPDATE tasks SET finished_time = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE state IN (${finalStateList});
      CREATE INDEX tasks_by_owner ON tasks (owner);
      CREATE INDEX tasks_by_finish ON tasks (finished_time) WHERE finished_time IS NOT NULL;
    `,
  },
  {
    version: 3,
    sql: `
      DROP INDEX tasks_by_owner;
      CREATE INDEX tasks_by_owner ON tasks (owner, id_key, state);
    `,
  },
  {
    version: 4,
    sql: `
      ALTER TABLE task_documents ADD COLUMN owner TEXT;
      CREATE TABLE index_state (
        one INTEGER PRIMARY KEY CHECK (one = 1),
        indexed_seq INTEGER NOT NULL
      );
      INSERT INTO index_state (one, indexed_seq) SELECT 1, coalesce(max(seq), 0) FROM task_documents;
    `,
  },
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the file to {@link SCHEMA_VERSION} in one transaction (all steps or none). Refuses a file from a newer
 * Capstan, whose schema this code cannot know.
 */
export function migrateSchema(db: Database.Database, file: string): void {
  db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > SCHEMA_VERSION) {
      throw new CapstanError(
        ErrorCode.InvalidConfig,
        `the TES task store ${file} has schema version ${current}, but this Capstan knows versions up to ${SCHEMA_VERSION}; run the Capstan version that wrote it (or a newer one), or give this server another file`,
        { path: 'file', details: { file, version: current, supported: SCHEMA_VERSION } },
      );
    }
    for (const step of MIGRATIONS) {
      if (step.version <= current) continue;
      db.exec(step.sql);
      db.pragma(`user_version = ${step.version}`);
    }
  }).immediate();
}
