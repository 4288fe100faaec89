// startup.bench.ts's `tools` mode: whole processes, as a user runs them, each `capstan` command beside the raw tool
// doing the same in the same rounds and the same network mode (Docker and Podman: their default bridge, as Capstan's
// backends; Apptainer: the host's, its default and Capstan's; as root with --no-privs, as Capstan runs it).
// Interleaved rounds after a warm-up that also fills the compile cache. Not a test: prints medians and ratios for
// docs/benchmarks.md.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machineLine, median } from './bench-common';

const DOCKER_IMAGE = 'capstan-test/busybox:1';
const PODMAN_IMAGE = 'localhost/capstan-test/busybox:1';
const SIF = '/var/lib/capstan/test-images/busybox.sif';

interface Case {
  readonly name: string;
  /** The raw tool's command, the ratio's denominator. */
  readonly raw: readonly string[];
  /** Capstan's arguments after the CLI path. */
  readonly capstan: readonly string[];
  readonly target: number;
}

function timeOnce(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string): number {
  const start = performance.now();
  const result = spawnSync(argv[0] as string, argv.slice(1), { cwd, env, stdio: 'ignore' });
  const ms = performance.now() - start;
  if (result.status !== 0) throw new Error(`${argv.join(' ')} exited ${result.status}`);
  return ms;
}

/** Builds the CLI of `checkout` (this workspace, or an older commit extracted with its node_modules linked). */
function buildCli(checkout: string, into: string): string {
  const cli = join(into, 'capstan.cjs');
  execFileSync(process.execPath, [join(checkout, 'tools', 'bundle-app.mjs'), 'apps/cli/src/bin.ts', cli], { cwd: checkout });
  return cli;
}

export function runAgainstTools(root: string, rounds: number, before: string | undefined): void {
  const work = mkdtempSync(join(tmpdir(), 'capstan-startup-tools-'));
  const cacheDir = mkdtempSync(join(tmpdir(), 'capstan-compile-cache-'));
  const env = { ...process.env, XDG_CACHE_HOME: cacheDir };
  // Bundles keep npm packages external: each is built inside its checkout so that they resolve.
  const clis = [{ name: 'after', path: buildCli(root, join(root, 'tmp', 'startup-tools-bench')) }];
  if (before !== undefined) clis.unshift({ name: 'before', path: buildCli(before, join(before, 'tmp', 'startup-tools-bench')) });
  const runArgs = (backend: string, image: string): string[] => ['run', '--backend', backend, '--image', image, '--shell', 'sh', '--work-root', join(work, 'runs'), '--', 'true'];
  const cases: Case[] = [
    { name: 'capstan --help', raw: [process.execPath, '-e', '0'], capstan: ['--help'], target: 2 },
    { name: 'run --backend local', raw: [process.execPath, '-e', '0'], capstan: ['run', '--backend', 'local', '--work-root', join(work, 'runs'), '--', 'true'], target: 2.5 },
    { name: 'run on docker', raw: ['docker', 'run', '--rm', DOCKER_IMAGE, 'true'], capstan: runArgs('docker', DOCKER_IMAGE), target: 1.3 },
    { name: 'run on podman', raw: ['podman', 'run', '--rm', PODMAN_IMAGE, 'true'], capstan: runArgs('podman', PODMAN_IMAGE), target: 1.3 },
    { name: 'run on apptainer (SIF)', raw: ['apptainer', 'exec', ...(process.getuid?.() === 0 ? ['--no-privs'] : []), SIF, 'true'], capstan: runArgs('apptainer', SIF), target: 1.6 },
  ].filter((entry) => entry.raw[0] !== 'apptainer' || existsSync(SIF));

  const samples = new Map<string, number[]>();
  const record = (key: string, ms: number): void => void samples.set(key, [...(samples.get(key) ?? []), ms]);
  const round = (keep: boolean): void => {
    for (const entry of cases) {
      const raw = timeOnce(entry.raw, env, work);
      if (keep) record(`${entry.name}|raw`, raw);
      for (const cli of clis) {
        const ms = timeOnce([process.execPath, cli.path, ...entry.capstan], env, work);
        if (keep) record(`${entry.name}|${cli.name}`, ms);
      }
      rmSync(join(work, 'runs'), { recursive: true, force: true });
    }
  };
  round(false);
  for (let index = 0; index < rounds; index += 1) round(true);

  console.log(`startup.bench tools: ${rounds} interleaved rounds; ${machineLine()}; compile cache on`);
  console.log(['command'.padEnd(24), 'raw tool'.padStart(12), ...clis.map((cli) => `capstan ${cli.name}`.padStart(26)), 'target'.padStart(8)].join(' '));
  for (const entry of cases) {
    const raw = median(samples.get(`${entry.name}|raw`) ?? []);
    const cells = clis.map((cli) => {
      const ms = median(samples.get(`${entry.name}|${cli.name}`) ?? []);
      return `${ms.toFixed(0)} ms (${(ms / raw).toFixed(2)}x)`.padStart(26);
    });
    console.log([entry.name.padEnd(24), `${raw.toFixed(0)} ms`.padStart(12), ...cells, `${entry.target}x`.padStart(8)].join(' '));
  }
  console.log(`raw tools: ${cases.map((entry) => `${entry.name}: ${entry.raw.map((part) => (part === process.execPath ? 'node' : part)).join(' ')}`).join('; ')}`);
  rmSync(work, { recursive: true, force: true });
  rmSync(cacheDir, { recursive: true, force: true });
}
