// The measuring side of tools/benchmarks/scale.bench.ts: the benchmark's own Slurm cluster (scale-slurm.sh), the
// PATH shims that log every Slurm command Capstan runs, the controller's log (when Slurm itself saw each job start and
// end) and the process's memory. Not a test: nothing here asserts a number.
import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** The benchmark runs from the repository's root (node tools/run-ts.mjs bundles it into tmp/). */
const HERE = join(process.cwd(), 'tools', 'benchmarks');
export const SHIMMED = ['sbatch', 'squeue', 'scontrol', 'scancel', 'sstat', 'sacct'] as const;
export type Shimmed = (typeof SHIMMED)[number];

/** A free TCP port on the loopback interface (Slurm then listens on it). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface Cluster {
  readonly conf: string;
  readonly controllerLog: string;
  stop(): Promise<void>;
}

/** Starts the benchmark-only cluster in `dir` (its own ports, state and logs); `stop` ends its two daemons. */
export async function startCluster(dir: string, cpus: number): Promise<Cluster> {
  const script = join(HERE, 'scale-slurm.sh');
  const stop = async (): Promise<void> => {
    await run(script, ['stop', dir]);
  };
  try {
    await run(script, ['start', dir, String(await freePort()), String(await freePort()), String(cpus)]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { conf: join(dir, 'slurm.conf'), controllerLog: join(dir, 'slurmctld.log'), stop };
}

/**
 * A folder of shims, one per Slurm command, each logging `COMMAND START_NS END_NS LONGEST_ARGUMENT` to `log` around the
 * real command (found on PATH now). Given to the backend as slurm.binDir, so every call it makes is counted and timed.
 */
export async function writeShims(dir: string, log: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const command of SHIMMED) {
    const real = (await run('sh', ['-c', `command -v ${command}`])).stdout.trim();
    const shim = [
      '#!/bin/sh',
      'start=$(date +%s%N) longest=0',
      'for a in "$@"; do [ ${#a} -le $longest ] || longest=${#a}; done',
      `${real} "$@"`,
      'rc=$?',
      `echo "${command} $start $(date +%s%N) $longest" >>'${log}'`,
      'exit $rc',
      '',
    ].join('\n');
    await writeFile(join(dir, command), shim);
    await chmod(join(dir, command), 0o755);
  }
  return dir;
}

export interface ShimCall {
  readonly command: Shimmed;
  readonly startMs: number;
  readonly endMs: number;
  /** The length of its longest argument (squeue's --jobs=ID,ID,...). */
  readonly longestArgument: number;
}

export async function readShimLog(log: string): Promise<ShimCall[]> {
  const text = await readFile(log, 'utf8').catch(() => '');
  const calls: ShimCall[] = [];
  for (const line of text.split('\n')) {
    const [command, start, end, bytes] = line.split(' ');
    if (!SHIMMED.includes(command as Shimmed) || start === undefined || end === undefined) continue;
    calls.push({ command: command as Shimmed, startMs: Number(start) / 1e6, endMs: Number(end) / 1e6, longestArgument: Number(bytes) });
  }
  return calls;
}

/** When the controller started and ended each job (its log, LogTimeFormat=iso8601_ms, local time like the controller). */
export async function controllerTimes(log: string): Promise<Map<string, { started?: number; ended?: number }>> {
  const text = await readFile(log, 'utf8');
  const jobs = new Map<string, { started?: number; ended?: number }>();
  const pattern = /^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})\] (?:.*(?:Started|Allocate) JobId=(\d+)|_job_complete: JobId=(\d+) done)/gm;
  for (const match of text.matchAll(pattern)) {
    const at = new Date(match[1] ?? '').getTime();
    const startedId = match[2];
    const endedId = match[3];
    const id = startedId ?? endedId ?? '';
    const entry = jobs.get(id) ?? {};
    if (startedId !== undefined) entry.started ??= at;
    else entry.ended = at;
    jobs.set(id, entry);
  }
  return jobs;
}

/** VmRSS and VmHWM of a process, in MiB. */
export async function processMemory(pid: number): Promise<{ rssMiB: number; hwmMiB: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) / 1024;
  return { rssMiB: field('VmRSS'), hwmMiB: field('VmHWM') };
}

export async function memAvailableMiB(): Promise<number> {
  const meminfo = await readFile('/proc/meminfo', 'utf8');
  return Number(/^MemAvailable:\s+(\d+) kB/m.exec(meminfo)?.[1] ?? 0) / 1024;
}

/** Least squares y = a + b x. */
export function linearFit(points: ReadonlyArray<readonly [number, number]>): { a: number; b: number } {
  const n = points.length;
  const mx = points.reduce((sum, [x]) => sum + x, 0) / n;
  const my = points.reduce((sum, [, y]) => sum + y, 0) / n;
  const sxx = points.reduce((sum, [x]) => sum + (x - mx) ** 2, 0);
  const sxy = points.reduce((sum, [x, y]) => sum + (x - mx) * (y - my), 0);
  const b = sxx === 0 ? 0 : sxy / sxx;
  return { a: my - b * mx, b };
}
