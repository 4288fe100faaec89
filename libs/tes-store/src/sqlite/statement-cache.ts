import type Database from 'better-sqlite3';

/**
 * Prepared statements by their text, so each list shape is compiled once. Bounded: the number of shapes grows with
 * the number of tag filters a client sends, so the least recently used statement is dropped past `capacity`.
 */
export class StatementCache {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(
    private readonly db: Database.Database,
    private readonly capacity = 128,
  ) {}

  get(sql: string): Database.Statement {
    const cached = this.statements.get(sql);
    if (cached !== undefined) {
      // Map keeps insertion order: moving the entry to the end keeps the oldest first.
      this.statements.delete(sql);
      this.statements.set(sql, cached);
      return cached;
    }
    const statement = this.db.prepare(sql);
    this.statements.set(sql, statement);
    if (this.statements.size > this.capacity) {
      const oldest = this.statements.keys().next();
      if (oldest.done !== true) this.statements.delete(oldest.value);
    }
    return statement;
  }
}
