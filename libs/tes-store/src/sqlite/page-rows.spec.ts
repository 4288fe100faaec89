import Database from 'better-sqlite3';
import { minimalPageSql, minimalTaskJson, readMinimalPage } from './page-rows';
import { utf16Key } from './utf16-key';

describe('MINIMAL pages as one row', () => {
  let db: Database.Database;

  beforeAll(() => {
    db = new Database(':memory:');
    db.exec("CREATE TABLE t (id_key BLOB PRIMARY KEY, state TEXT NOT NULL) WITHOUT ROWID");
  });

  afterAll(() => db.close());

  /** The one row SQLite answers for the page of `ids`, newest (greatest) first. */
  function pageRow(ids: readonly string[]): Parameters<typeof readMinimalPage>[0] {
    db.exec('DELETE FROM t');
    const insert = db.prepare('INSERT INTO t (id_key, state) VALUES (?, ?)');
    ids.forEach((id, index) => insert.run(utf16Key(id), index % 2 === 0 ? 'QUEUED' : 'COMPLETE'));
    const { sql, parameters } = minimalPageSql({ sql: 'SELECT id_key, state FROM t ORDER BY id_key DESC LIMIT ?', parameters: [100] });
    return db.prepare(sql).get(...parameters) as Parameters<typeof readMinimalPage>[0];
  }

  it('reads back every id byte for byte, awkward ones included, in page order with their states', () => {
    const ids = ['01J0AAAAAAAAAAAAAAAAAAAAAA', 'a"b', 'back\\slash', '\u0001', '\u00e9t\u00e9', '\ud83d', '\ude00x', '\u{1f600}', '\u4100B', 'z'];
    const read = readMinimalPage(pageRow(ids));
    const expected = [...ids].sort().reverse();
    expect(read?.ids).toEqual(expected);
    expect(read?.states).toHaveLength(ids.length);
    expect(read?.ids.map((id, index) => [id, read.states[index]])).toEqual(expected.map((id) => [id, ids.indexOf(id) % 2 === 0 ? 'QUEUED' : 'COMPLETE']));
  });

  it('answers an empty page for no rows', () => {
    expect(readMinimalPage(pageRow([]))).toEqual({ ids: [], states: [] });
  });

  it('refuses a row whose ids are not strictly descending, or whose parts disagree, so the caller reads row by row', () => {
    const keys = Buffer.concat([utf16Key('a'), utf16Key('b')]);
    expect(readMinimalPage({ keys, lengths: '2,2', states: 'QUEUED,QUEUED' })).toBeUndefined();
    expect(readMinimalPage({ keys: Buffer.concat([utf16Key('b'), utf16Key('b')]), lengths: '2,2', states: 'QUEUED,QUEUED' })).toBeUndefined();
    expect(readMinimalPage({ keys: Buffer.concat([utf16Key('b'), utf16Key('a')]), lengths: '2,2', states: 'QUEUED' })).toBeUndefined();
    expect(readMinimalPage({ keys: Buffer.concat([utf16Key('bc'), utf16Key('a')]), lengths: '2,2', states: 'QUEUED,QUEUED' })).toBeUndefined();
    expect(readMinimalPage({ keys: Buffer.concat([utf16Key('b'), utf16Key('a')]), lengths: '2,x', states: 'QUEUED,QUEUED' })).toBeUndefined();
    expect(readMinimalPage({ keys: Buffer.concat([utf16Key('b'), utf16Key('a')]), lengths: '2,3', states: 'QUEUED,QUEUED' })).toBeUndefined();
    expect(readMinimalPage({ keys: Buffer.concat([utf16Key('b'), utf16Key('a')]), lengths: '2,2', states: 'QUEUED,RUNNING' })).toEqual({ ids: ['b', 'a'], states: ['QUEUED', 'RUNNING'] });
    expect(readMinimalPage({ keys: Buffer.concat([utf16Key('ccc'), utf16Key('b'), utf16Key('')]), lengths: '6,2,0', states: 'QUEUED,RUNNING,COMPLETE' })).toEqual({
      ids: ['ccc', 'b', ''],
      states: ['QUEUED', 'RUNNING', 'COMPLETE'],
    });
  });

  it('writes each task as JSON.stringify would, quoting only when an id needs it', () => {
    for (const ids of [['01J0AAAAAAAAAAAAAAAAAAAAAA', '01J0AAAAAAAAAAAAAAAAAAAAA9'], ['plain', 'a"b'], ['back\\slash'], ['\u0001'], ['\u00e9'], ['\ud83d'], []]) {
      const states = ids.map(() => 'RUNNING' as const);
      expect(minimalTaskJson(ids, states)).toEqual(ids.map((id) => ({ id, json: JSON.stringify({ id, state: 'RUNNING' }) })));
    }
  });
});
