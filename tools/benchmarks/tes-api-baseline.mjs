// The baseline of the TES api benchmark (issue 14): the smallest honest server doing the same job, as a user would
// write it with the same libraries. fastify validates the JSON body against a JSON schema of a TES task (ajv, fastify's
// own way), better-sqlite3 inserts it (WAL, synchronous NORMAL, as Capstan's store; one autocommit per create, done
// before the answer), and a list returns the newest 256 rows, each body parsed back and serialised by fastify.
// No auth, no limits beyond the schema, no server-side checks: what Capstan must come within 0.8x of.
// Run by tes-api.bench.ts as its own process (as the api is), never as a test:
//   node tools/benchmarks/tes-api-baseline.mjs DATABASE_FILE   (prints {"url": ...} once listening)
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import fastify from 'fastify';

const file = process.argv[2];
if (file === undefined) throw new Error('usage: tes-api-baseline.mjs DATABASE_FILE');
const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec('CREATE TABLE IF NOT EXISTS tasks (seq INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, state TEXT NOT NULL, name TEXT, body TEXT NOT NULL)');
const insert = db.prepare('INSERT INTO tasks (id, state, name, body) VALUES (?, ?, ?, ?)');
const page = db.prepare('SELECT id, state, body FROM tasks ORDER BY seq DESC LIMIT ?');
const pageMinimal = db.prepare('SELECT id, state FROM tasks ORDER BY seq DESC LIMIT ?');

const text = { type: 'string', maxLength: 4096 };
const strings = { type: 'object', additionalProperties: { type: 'string' } };
const file_ = { type: 'object', required: ['path'], properties: { url: text, path: text, type: { enum: ['FILE', 'DIRECTORY'] }, content: text, name: text, description: text } };
const taskSchema = {
  type: 'object',
  required: ['executors'],
  properties: {
    name: text,
    description: text,
    tags: strings,
    resources: { type: 'object', properties: { cpu_cores: { type: 'integer', minimum: 1 }, ram_gb: { type: 'number', exclusiveMinimum: 0 }, disk_gb: { type: 'number' }, preemptible: { type: 'boolean' }, zones: { type: 'array', items: text } } },
    inputs: { type: 'array', items: file_ },
    outputs: { type: 'array', items: { ...file_, required: ['url', 'path'] } },
    volumes: { type: 'array', items: text },
    executors: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['image', 'command'],
        properties: { image: text, command: { type: 'array', minItems: 1, items: text }, workdir: text, stdin: text, stdout: text, stderr: text, env: strings, ignore_error: { type: 'boolean' } },
      },
    },
  },
};

const app = fastify({ logger: false });
app.post('/tasks', { schema: { body: taskSchema } }, (request) => {
  const id = randomUUID();
  const body = request.body;
  insert.run(id, 'QUEUED', body.name ?? null, JSON.stringify(body));
  return { id };
});
app.get('/tasks', (request) => {
  const size = Math.min(Number(request.query.page_size ?? 256), 2048);
  if (request.query.view === 'MINIMAL') return { tasks: pageMinimal.all(size) };
  return { tasks: page.all(size).map((row) => ({ id: row.id, state: row.state, ...JSON.parse(row.body) })) };
});
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
console.log(JSON.stringify({ url: `http://127.0.0.1:${address.port}` }));
process.once('SIGTERM', () => {
  void app.close().then(() => {
    db.close();
    process.exit(0);
  });
});
