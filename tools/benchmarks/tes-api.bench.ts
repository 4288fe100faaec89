// TES api benchmark (issue 14): task creation and ListTasks pages of 256, the real bundled api (its SQLite store,
// bearer auth on, `api.paused: true`, so that what is measured is the create path, not containers starting) side by
// side with the baseline, tes-api-baseline.mjs: a minimal fastify endpoint that validates the JSON body and inserts it
// into better-sqlite3. Both are child processes on loopback; autocannon in this process loads them in turn (the order
// swapped every round) at each concurrency, and each case reports medians over the rounds and the median of the
// per-round ratios. Not a test: prints numbers, asserts no time.
//   node tools/run-ts.mjs tools/benchmarks/tes-api.bench.ts [seconds=5] [rounds=5] [stored=20000] [concurrencies=1,16,64] [api bundle]
// The last argument measures another build of the api (an earlier commit's `tmp/bench-api/capstan-api.cjs`) instead
// of this checkout's.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { BENCH_TES_TASK, loadAverage, machineLine, median } from './bench-common';
import { type BenchServer, cpuTicks, startBenchServer } from './tes-bench-kit';

const seconds = Number(process.argv[2] ?? 5);
const rounds = Number(process.argv[3] ?? 5);
const stored = Number(process.argv[4] ?? 20_000);
const concurrencies = (process.argv[5] ?? '1,16,64').split(',').map(Number);
const givenBundle = process.argv[6];
const root = resolve(__dirname, '..', '..');
const token = 'bench-token-0123456789abcdef';
const TASK = JSON.stringify(BENCH_TES_TASK);

interface Load {
  readonly rate: number;
  readonly p50: number;
  readonly p99: number;
  readonly total: number;
  readonly bad: number;
  /** The server process's CPU (user + system) per request, in microseconds: what the load cost it, whoever else ran. */
  readonly cpuMicros: number;
}

async function load(server: BenchServer, url: string, connections: number, duration: number, body?: string): Promise<Load> {
  const before = cpuTicks(server.child.pid);
  const result = await autocannon({
    url,
    method: body === undefined ? 'GET' : 'POST',
    connections,
    duration,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    ...(body === undefined ? {} : { body }),
  });
  const cpuMicros = ((cpuTicks(server.child.pid) - before) * 10_000) / Math.max(result.requests.total, 1);
  return { rate: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, total: result.requests.total, bad: result.non2xx + result.errors, cpuMicros };
}

interface Case {
  readonly title: string;
  readonly run: (server: BenchServer, connections: number, duration: number) => Promise<Load>;
}

/** Each concurrency: `rounds` rounds of both servers in turn; prints one row per concurrency. */
async function compare(testCase: Case, api: BenchServer, baseline: BenchServer): Promise<void> {
  console.log(`\n${testCase.title}: ${seconds} s per arm, ${rounds} rounds; medians (load average at the start ${loadAverage()})`);
  console.log('| connections | capstan req/s | baseline req/s | ratio | capstan p50 / p99 ms | baseline p50 / p99 ms | ratios per round | server CPU per request, capstan / baseline | non-2xx |');
  console.log('|---:|---:|---:|---:|---:|---:|---|---:|---:|');
  for (const connections of concurrencies) {
    const rows: Array<{ api: Load; baseline: Load }> = [];
    for (let round = 0; round < rounds; round += 1) {
      const order = round % 2 === 0 ? [api, baseline] : [baseline, api];
      const [first, second] = [await testCase.run(order[0] ?? api, connections, seconds), await testCase.run(order[1] ?? baseline, connections, seconds)];
      rows.push(round % 2 === 0 ? { api: first, baseline: second } : { api: second, baseline: first });
    }
    const pick = (arm: 'api' | 'baseline', field: keyof Load): number => median(rows.map((row) => row[arm][field]));
    const ratios = rows.map((row) => row.api.rate / row.baseline.rate);
    const bad = rows.reduce((sum, row) => sum + row.api.bad + row.baseline.bad, 0);
    console.log(
      `| ${connections} | ${pick('api', 'rate').toFixed(0)} | ${pick('baseline', 'rate').toFixed(0)} | **${median(ratios).toFixed(2)}x** | ${pick('api', 'p50')} / ${pick('api', 'p99')} | ` +
        `${pick('baseline', 'p50')} / ${pick('baseline', 'p99')} | ${ratios.map((ratio) => ratio.toFixed(2)).join(' ')} | ` +
        `${pick('api', 'cpuMicros').toFixed(0)} / ${pick('baseline', 'cpuMicros').toFixed(0)} µs | ${bad} |`,
    );
  }
}

async function fill(server: BenchServer, count: number): Promise<void> {
  let total = 0;
  while (total < count) total += (await load(server, server.tasks, 16, Math.min(20, Math.ceil((count - total) / 2000) + 1), TASK)).total;
}

async function main(): Promise<void> {
  if (givenBundle === undefined) execFileSync(process.execPath, [join(root, 'tools', 'bundle-app.mjs'), 'apps/api/src/main.ts', 'tmp/bench-api/capstan-api.cjs'], { cwd: root });
  const bundle = givenBundle === undefined ? join(root, 'tmp', 'bench-api', 'capstan-api.cjs') : resolve(givenBundle);
  const folder = mkdtempSync(join(tmpdir(), 'capstan-tes-bench-'));
  const servers: BenchServer[] = [];
  try {
    const api = await startBenchServer(
      'capstan api',
      [bundle, '--host', '127.0.0.1', '--port', '0', '--data-dir', join(folder, 'data'), '--backend', 'local', '--run-client-commands-on-host', '--token', token],
      // No per-principal rate limit: the benchmark is one client measuring the server's own throughput.
      { CAPSTAN_API__PAUSED: 'true', CAPSTAN_API__RATE_LIMIT__MAX: '0' },
      '/tasks',
    );
    servers.push(api);
    const baseline = await startBenchServer('baseline', [join(root, 'tools', 'benchmarks', 'tes-api-baseline.mjs'), join(folder, 'baseline.sqlite')], {}, '/tasks');
    servers.push(baseline);
    console.log(`TES api benchmark; ${machineLine()}; api ${bundle}`);
    console.log(`create body ${TASK.length} bytes; capstan with bearer auth, its SQLite store (WAL, group commit); the baseline fastify + JSON schema + better-sqlite3 (WAL)`);
    for (const server of servers) await load(server, server.tasks, 16, 2, TASK);
    await compare({ title: 'CreateTask', run: (server, connections, duration) => load(server, server.tasks, connections, duration, TASK) }, api, baseline);
    for (const server of servers) await fill(server, stored);
    console.log(`\nstored: at least ${stored} tasks in each`);
    for (const view of ['MINIMAL', 'BASIC'] as const) {
      const run = (server: BenchServer, connections: number, duration: number): Promise<Load> => load(server, `${server.tasks}?view=${view}&page_size=256`, connections, duration);
      for (const server of servers) await run(server, 4, 1);
      await compare({ title: `ListTasks, ${view}, page_size 256`, run }, api, baseline);
    }
  } finally {
    for (const server of servers) server.child.kill('SIGTERM');
    await new Promise((done) => setTimeout(done, 500));
    rmSync(folder, { recursive: true, force: true });
  }
}

void main();
