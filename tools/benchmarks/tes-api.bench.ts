// TES api benchmark: task creation throughput and latency on loopback (autocannon), then ListTasks pages with
// 100,000 stored tasks. The real bundled api with its SQLite store, bearer auth on, and `api.paused: true`, so that
// what is measured is the create path (HTTP, validation, the durable insert), not containers starting. The HTTP floor
// in the same run: a bare fastify server on the same loopback answering POST with a fixed id, loaded the same way.
// Not a test: prints numbers, asserts no time.
//   node tools/run-ts.mjs tools/benchmarks/tes-api.bench.ts [seconds=10] [connections=16] [stored=100000]
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import fastify from 'fastify';
import { loadAverage, machineLine, percentile } from './bench-common';

const seconds = Number(process.argv[2] ?? 10);
const connections = Number(process.argv[3] ?? 16);
const stored = Number(process.argv[4] ?? 100_000);
const root = resolve(__dirname, '..', '..');
const token = 'bench-token-0123456789abcdef';
const TASK = JSON.stringify({
  name: 'bench align sample',
  tags: { project: 'p01', workflow: 'rnaseq' },
  resources: { cpu_cores: 2, ram_gb: 4 },
  inputs: [{ url: 'https://data.example.org/reads/S1_R1.fastq.gz', path: '/data/in/S1_R1.fastq.gz' }],
  outputs: [{ url: 'https://data.example.org/out/S1.bam', path: '/data/out/S1.bam' }],
  executors: [{ image: 'capstan-test/busybox:1', command: ['sh', '-c', 'echo align > /data/out/S1.bam'], env: { THREADS: '2' } }],
});

interface Load {
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly total: number;
  readonly non2xx: number;
  readonly errors: number;
}

async function load(url: string, options: { method: 'GET' | 'POST'; body?: string; duration: number; connections: number }): Promise<Load> {
  const result = await autocannon({
    url,
    method: options.method,
    connections: options.connections,
    duration: options.duration,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    ...(options.body === undefined ? {} : { body: options.body }),
  });
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

function startApi(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(root, 'tmp', 'bench-api', 'capstan-api.cjs'), '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir, '--backend', 'local', '--run-client-commands-on-host', '--token', token], {
    // No per-principal rate limit: the benchmark is one client measuring the server's own throughput.
    env: { ...process.env, CAPSTAN_API__PAUSED: 'true', CAPSTAN_API__RATE_LIMIT__MAX: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((done, fail) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString();
      const line = text.split('\n').find((candidate) => candidate.includes('"event":"listening"'));
      if (line !== undefined) {
        // The request log (one line per request) is read and dropped from here on.
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        done({ child, url: (JSON.parse(line) as { url: string }).url });
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => fail(new Error(`the api exited with ${code}`)));
  });
}

async function floorServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const app = fastify({ logger: false });
  app.post('/ga4gh/tes/v1/tasks', () => ({ id: '01M82JDGW7TY9C98RFAKGMZQB3' }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/ga4gh/tes/v1/tasks`, close: () => app.close() };
}

async function timedGets(url: string, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const started = performance.now();
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    await response.arrayBuffer();
    times.push(performance.now() - started);
  }
  return times;
}

async function main(): Promise<void> {
  execFileSync(process.execPath, [join(root, 'tools', 'bundle-app.mjs'), 'apps/api/src/main.ts', 'tmp/bench-api/capstan-api.cjs'], { cwd: root });
  const folder = mkdtempSync(join(tmpdir(), 'capstan-tes-bench-'));
  const { child, url } = await startApi(join(folder, 'data'));
  const floor = await floorServer();
  try {
    console.log(`TES api benchmark; ${machineLine()}; load ${loadAverage()}`);
    console.log(`create: ${seconds} s per arm, ${connections} connections, body ${TASK.length} bytes, bearer auth, SQLite store (WAL)`);
    // Warm-up of both servers (JIT, SQLite pages), then the arms interleaved twice.
    await load(`${url}/tasks`, { method: 'POST', body: TASK, duration: 2, connections });
    await load(floor.url, { method: 'POST', body: TASK, duration: 2, connections });
    const rows: Array<[string, Load]> = [];
    for (let round = 1; round <= 2; round += 1) {
      rows.push([`capstan api (round ${round})`, await load(`${url}/tasks`, { method: 'POST', body: TASK, duration: seconds, connections })]);
      rows.push([`bare fastify floor (round ${round})`, await load(floor.url, { method: 'POST', body: TASK, duration: seconds, connections })]);
    }
    console.log('| arm | creates/s | p50 ms | p99 ms | requests | non-2xx | errors |');
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    for (const [name, row] of rows) console.log(`| ${name} | ${row.requestsPerSecond.toFixed(0)} | ${row.p50} | ${row.p99} | ${row.total} | ${row.non2xx} | ${row.errors} |`);
    const api = rows.filter(([name]) => name.startsWith('capstan'));
    const bare = rows.filter(([name]) => name.startsWith('bare'));
    const mean = (list: Array<[string, Load]>, pick: (row: Load) => number): number => list.reduce((sum, [, row]) => sum + pick(row), 0) / list.length;
    console.log(
      `capstan api: ${mean(api, (row) => row.requestsPerSecond).toFixed(0)} creates/s (target >= 3000), p99 ${mean(api, (row) => row.p99).toFixed(1)} ms (target < 25); ` +
        `ratio to the bare HTTP floor: ${(mean(api, (row) => row.requestsPerSecond) / mean(bare, (row) => row.requestsPerSecond)).toFixed(3)}x throughput`,
    );

    // Fill up to `stored` tasks with more creates, as clients would.
    let count = Number(((await (await fetch(`${url}/tasks?page_size=1`, { headers: { authorization: `Bearer ${token}` } })).json()) as { tasks: unknown[] }).tasks.length);
    count = rows.filter(([name]) => name.startsWith('capstan')).reduce((sum, [, row]) => sum + row.total, 0);
    while (count < stored) {
      const fill = await load(`${url}/tasks`, { method: 'POST', body: TASK, duration: Math.min(20, Math.ceil((stored - count) / 2000) + 1), connections });
      count += fill.total;
    }
    const database = join(folder, 'data', 'tasks.sqlite');
    console.log(`stored: about ${count} tasks; database ${(statSync(database).size / 1e6).toFixed(0)} MB (+ WAL ${(statSync(`${database}-wal`, { throwIfNoEntry: false })?.size ?? 0) / 1e6} MB)`);
    console.log('| list (page_size 256) | p50 ms | p90 ms | p99 ms | n |');
    console.log('|---|---:|---:|---:|---:|');
    for (const [name, query] of [
      ['MINIMAL, first page', 'view=MINIMAL&page_size=256'],
      ['BASIC, first page', 'view=BASIC&page_size=256'],
      ['MINIMAL, tag filter', 'view=MINIMAL&page_size=256&tag_key=workflow&tag_value=rnaseq'],
      ['BASIC, name prefix', 'view=BASIC&page_size=256&name_prefix=bench'],
    ] as const) {
      await timedGets(`${url}/tasks?${query}`, 20);
      const times = await timedGets(`${url}/tasks?${query}`, 300);
      console.log(`| ${name} | ${percentile(times, 0.5).toFixed(2)} | ${percentile(times, 0.9).toFixed(2)} | ${percentile(times, 0.99).toFixed(2)} | ${times.length} |`);
    }
    console.log('target: p50 under 5 ms (measured from the client: fetch, HTTP, auth, query, JSON of 256 tasks)');
  } finally {
    child.kill('SIGTERM');
    await floor.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

void main();
