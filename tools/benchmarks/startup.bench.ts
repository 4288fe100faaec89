// Start-up of the `capstan` CLI bundle on the Node lines it meets: the machine's Node 20 (end of life, the baseline),
// the pinned Node 22 and 24 without the module compile cache, and Node 24 with it (the launcher's default). Whole
// processes, as a user runs them: `--help`, `plan` of the example task, and `run --backend local -- true`; each
// beside `node -e 0` on the same Node. Interleaved rounds after a warm-up (which also fills the compile cache).
// Not a test: prints medians and ratios for docs/benchmarks.md.
//   node tools/run-ts.mjs tools/benchmarks/startup.bench.ts [rounds=15]
//   node tools/run-ts.mjs tools/benchmarks/startup.bench.ts ROUNDS tools [BEFORE_CHECKOUT]
// The second form is issue 12's targets: each `capstan` command against the raw tool doing the same (node -e 0,
// docker/podman run --rm, apptainer exec on a SIF), on the Node that runs it, with the compile cache; with
// BEFORE_CHECKOUT (an extracted older commit, its node_modules linked) its CLI too, in the same rounds.
// The Node 22 and 24 binaries are the set-up's (tools/lib/ensure-node.sh); Node 20 is /usr/bin/node if it is a 20.
import { runAgainstTools } from './startup-vs-tools';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { machineLine, median } from './bench-common';

const root = resolve(__dirname, '..', '..');
const rounds = Number(process.argv[2] ?? 15);
if (process.argv[3] === 'tools') {
  runAgainstTools(root, rounds, process.argv[4]);
  process.exit(0);
}

interface Arm {
  readonly name: string;
  readonly node: string;
  readonly env: NodeJS.ProcessEnv;
}

function pinnedNode(line: 22 | 24): string {
  const out = execFileSync('bash', ['-c', `. tools/lib/ensure-node.sh ${line} >/dev/null && command -v node`], { cwd: root, encoding: 'utf8' });
  return out.trim();
}

function version(node: string): string {
  return execFileSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
}

const cacheDir = mkdtempSync(join(tmpdir(), 'capstan-compile-cache-'));
const noCache = { ...process.env, NODE_DISABLE_COMPILE_CACHE: '1' };
const arms: Arm[] = [];
if (existsSync('/usr/bin/node') && version('/usr/bin/node').startsWith('20.')) arms.push({ name: `node ${version('/usr/bin/node')}`, node: '/usr/bin/node', env: noCache });
const node22 = pinnedNode(22);
const node24 = pinnedNode(24);
arms.push({ name: `node ${version(node22)}, no cache`, node: node22, env: noCache });
arms.push({ name: `node ${version(node24)}, no cache`, node: node24, env: noCache });
arms.push({ name: `node ${version(node24)}, compile cache`, node: node24, env: { ...process.env, XDG_CACHE_HOME: cacheDir } });

// The bundle keeps npm packages external: build it inside the workspace so that they resolve.
const cli = join(root, 'tmp', 'startup-bench', 'capstan.cjs');
execFileSync(process.execPath, [join(root, 'tools', 'bundle-app.mjs'), 'apps/cli/src/bin.ts', cli], { cwd: root });
const workRoot = mkdtempSync(join(tmpdir(), 'capstan-startup-runs-'));
const commands: ReadonlyArray<{ readonly name: string; readonly args: readonly string[] }> = [
  { name: 'node -e 0', args: ['-e', '0'] },
  { name: 'capstan --help', args: [cli, '--help'] },
  { name: 'capstan plan', args: [cli, 'plan', 'examples/hello.yaml', '--backend', 'local'] },
  { name: 'capstan run local true', args: [cli, 'run', '--backend', 'local', '--work-root', workRoot, '--image', 'capstan-test/busybox:1', '--', 'true'] },
];

function timeOnce(arm: Arm, args: readonly string[]): number {
  const start = performance.now();
  const result = spawnSync(arm.node, args, { cwd: root, env: arm.env, stdio: 'ignore' });
  const ms = performance.now() - start;
  if (result.status !== 0) throw new Error(`${arm.name}: ${args.join(' ')} exited ${result.status}`);
  return ms;
}

const samples = new Map<string, number[]>();
const key = (arm: Arm, command: string): string => `${arm.name}|${command}`;
for (const arm of arms) for (const command of commands) timeOnce(arm, command.args); // warm-up, fills the cache
for (let round = 0; round < rounds; round += 1) {
  for (const command of commands) {
    for (const arm of arms) {
      const list = samples.get(key(arm, command.name)) ?? [];
      list.push(timeOnce(arm, command.args));
      samples.set(key(arm, command.name), list);
    }
  }
}

console.log(`startup.bench: ${rounds} interleaved rounds; ${machineLine()}`);
const baseline = arms[0] as Arm;
console.log(['command'.padEnd(24), ...arms.map((arm) => arm.name.padStart(30))].join(' '));
for (const command of commands) {
  const base = median(samples.get(key(baseline, command.name)) ?? []);
  const cells = arms.map((arm) => {
    const ms = median(samples.get(key(arm, command.name)) ?? []);
    return `${ms.toFixed(0)} ms (${(ms / base).toFixed(2)}x)`.padStart(30);
  });
  console.log([command.name.padEnd(24), ...cells].join(' '));
}
console.log(`ratios are against ${baseline.name} in the same rounds; medians of ${rounds}`);
rmSync(cacheDir, { recursive: true, force: true });
rmSync(workRoot, { recursive: true, force: true });
