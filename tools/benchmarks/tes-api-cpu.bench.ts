// What one request costs each of several builds of the TES api (issue 14), in the server's own CPU (user + system
// from /proc/PID/stat), which a busy machine disturbs far less than throughput: every build runs as its own process
// (`api.paused: true`, the SQLite store in a fresh folder, bearer auth), gets the same warm-up, then in each round
// every build in turn takes `requests` creates (or MINIMAL/BASIC pages of 256 after 20,000 creates) at `connections`.
// Prints each build's median and every round. Not a test: prints numbers, asserts no time.
//   node tools/run-ts.mjs tools/benchmarks/tes-api-cpu.bench.ts CONNECTIONS REQUESTS ROUNDS create|MINIMAL|BASIC BUNDLE...
// A BUNDLE is a built api, e.g. `node tools/bundle-app.mjs apps/api/src/main.ts tmp/x/capstan-api.cjs` at some commit.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { BENCH_TES_TASK, loadAverage, machineLine, median } from './bench-common';

const [connections = '16', requests = '10000', rounds = '7', kind = 'create', ...bundles] = process.argv.slice(2);
const token = 'bench-token-0123456789abcdef';
const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
const body = JSON.stringify(BENCH_TES_TASK);

/** A process's CPU time so far in clock ticks of 10 ms (utime + stime, fields 14 and 15 of /proc/PID/stat). */
function cpuTicks(pid: number | undefined): number {
  const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

interface Server {
  readonly bundle: string;
  readonly child: ChildProcess;
  readonly tasks: string;
  readonly folder: string;
}

function start(bundle: string): Promise<Server> {
  const folder = mkdtempSync(join(tmpdir(), 'capstan-tes-cpu-'));
  const args = [bundle, '--host', '127.0.0.1', '--port', '0', '--data-dir', join(folder, 'data'), '--backend', 'local', '--run-client-commands-on-host', '--token', token];
  const child = spawn(process.execPath, args, { env: { ...process.env, CAPSTAN_API__PAUSED: 'true', CAPSTAN_API__RATE_LIMIT__MAX: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((done, fail) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString();
      const line = text.split('\n').find((candidate) => candidate.includes('"url"'));
      if (line === undefined) return;
      child.stdout?.off('data', onData);
      child.stdout?.resume();
      done({ bundle, child, folder, tasks: `${(JSON.parse(line) as { url: string }).url}/tasks` });
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => fail(new Error(`${bundle} exited with ${String(code)}`)));
  });
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
