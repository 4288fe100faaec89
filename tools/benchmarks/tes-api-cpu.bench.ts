// What one request costs each of several builds of the TES api (issue 14), in the server's own CPU (user + system
// from /proc/PID/stat), which a busy machine disturbs far less than throughput: every build runs as its own process
// (`api.paused: true`, the SQLite store in a fresh folder, bearer auth), gets the same warm-up, then in each round
// every build in turn takes `requests` creates (or MINIMAL/BASIC pages of 256 after 20,000 creates) at `connections`.
// Prints each build's median and every round. Not a test: prints numbers, asserts no time.
//   node tools/run-ts.mjs tools/benchmarks/tes-api-cpu.bench.ts CONNECTIONS REQUESTS ROUNDS create|MINIMAL|BASIC BUNDLE...
// A BUNDLE is a built api, e.g. `node tools/bundle-app.mjs apps/api/src/main.ts tmp/x/capstan-api.cjs` at some commit.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { BENCH_TES_TASK, loadAverage, machineLine, median } from './bench-common';
import { type BenchServer, cpuTicks, startBenchServer } from './tes-bench-kit';

const [connections = '16', requests = '10000', rounds = '7', kind = 'create', ...bundles] = process.argv.slice(2);
const token = 'bench-token-0123456789abcdef';
const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
const body = JSON.stringify(BENCH_TES_TASK);

interface Server extends BenchServer {
  readonly bundle: string;
  readonly folder: string;
}

async function start(bundle: string): Promise<Server> {
  const folder = mkdtempSync(join(tmpdir(), 'capstan-tes-cpu-'));
  const args = [bundle, '--host', '127.0.0.1', '--port', '0', '--data-dir', join(folder, 'data'), '--backend', 'local', '--run-client-commands-on-host', '--token', token];
  const server = await startBenchServer(bundle, args, { CAPSTAN_API__PAUSED: 'true', CAPSTAN_API__RATE_LIMIT__MAX: '0' }, '/tasks');
  return { ...server, bundle, folder };
}

async function load(server: Server, amount: number, count: number): Promise<number> {
  const before = cpuTicks(server.child.pid);
  const list = kind !== 'create';
  const result = await autocannon({
    url: list ? `${server.tasks}?view=${kind}&page_size=256` : server.tasks,
    method: list ? 'GET' : 'POST',
    connections: count,
    amount,
    headers,
    ...(list ? {} : { body }),
  });
  return ((cpuTicks(server.child.pid) - before) * 10_000) / Math.max(result.requests.total, 1);
}

async function main(): Promise<void> {
  if (bundles.length === 0 || !['create', 'MINIMAL', 'BASIC'].includes(kind)) throw new Error('usage: tes-api-cpu.bench.ts CONNECTIONS REQUESTS ROUNDS create|MINIMAL|BASIC BUNDLE...');
  const servers: Server[] = [];
  try {
    for (const bundle of bundles) servers.push(await start(bundle));
    console.log(`TES api CPU per request; ${machineLine()}; ${kind} at ${connections} connections, ${requests} requests a round, ${rounds} rounds`);
    // Warm-up: the stored tasks a list reads, or creates enough for the JIT to settle.
    for (const server of servers) await autocannon({ url: server.tasks, method: 'POST', connections: 16, amount: kind === 'create' ? 5000 : 20_000, headers, body });
    const perRound: number[][] = servers.map(() => []);
    for (let round = 0; round < Number(rounds); round += 1) {
      for (const [index, server] of servers.entries()) perRound[index]?.push(await load(server, Number(requests), Number(connections)));
    }
    for (const [index, server] of servers.entries()) {
      const values = perRound[index] ?? [];
      console.log(`${server.bundle}: median ${median(values).toFixed(0)} µs (rounds: ${values.map((value) => value.toFixed(0)).join(' ')})`);
    }
    console.log(`load average at the end ${loadAverage()}`);
  } finally {
    for (const server of servers) server.child.kill('SIGTERM');
    await new Promise((done) => setTimeout(done, 500));
    for (const server of servers) rmSync(server.folder, { recursive: true, force: true });
  }
}

void main();
