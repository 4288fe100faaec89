// What the TES api benchmarks share (tes-api.bench.ts, tes-api-cpu.bench.ts): starting a server process as users run
// it and reading a process's CPU time. Not a test: nothing here asserts a time.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** A process's CPU time so far (user + system, clock ticks of 10 ms), from /proc. */
export function cpuTicks(pid: number | undefined): number {
  const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  // The fields after the command (which may hold spaces) start after its closing parenthesis: utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

export interface BenchServer {
  readonly name: string;
  readonly child: ChildProcess;
  /** The `/tasks` URL. */
  readonly tasks: string;
}

/** Starts a server process (`node ARGS`) and resolves once its first stdout line holding `"url"` says where it listens. */
export function startBenchServer(name: string, args: string[], env: NodeJS.ProcessEnv, suffix: string): Promise<BenchServer> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((done, fail) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString();
      const line = text.split('\n').find((candidate) => candidate.includes('"url"'));
      if (line === undefined) return;
      // The api's request log (one line per request) is read and dropped from here on.
      child.stdout?.off('data', onData);
      child.stdout?.resume();
      done({ name, child, tasks: `${(JSON.parse(line) as { url: string }).url}${suffix}` });
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => fail(new Error(`${name} exited with ${String(code)}`)));
  });
}
