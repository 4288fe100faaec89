// An engine composed from Capstan's packages runs 100 tasks on Docker, with a progress bar on stderr.
// Usage: node dist/run-many.js [COUNT] [COMMAND]; exits 1 when any task failed.
import { BackendRegistry, parseTask } from '@capstan/core-constraints';
import { DockerBackend } from '@capstan/docker-runner';
import { DEFAULT_ENGINE_OPTIONS, TaskEngine, type TaskResult } from '@capstan/engine';
import { NameGenerator } from '@capstan/naming';
import { ResourceLedger } from '@capstan/resource-manager';

const total = Number(process.argv[2] ?? 100);
const command = process.argv[3] ?? 'echo "task $TASK_INDEX in $(hostname)"';
if (!Number.isInteger(total) || total < 1) throw new RangeError(`COUNT must be a whole number above 0, not "${process.argv[2]}"`);

const docker = new DockerBackend();
const { total: capacity } = await docker.capacity();
const engine = new TaskEngine(new BackendRegistry([docker]), new ResourceLedger({ capacity }), new NameGenerator(), {
  ...DEFAULT_ENGINE_OPTIONS,
  backend: 'docker',
  workRoot: 'capstan-runs',
  shell: 'sh',
});
process.once('SIGINT', () => engine.stop());

// A plain bar: redrawn in place on a terminal, one line per 10% in a log.
let done = 0;
let failed = 0;
let lastTenth = 0;
function progress(): void {
  const width = 30;
  const filled = Math.round((done / total) * width);
  const percent = Math.floor((done / total) * 100);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent}% ${done}/${total}, ${failed} failed`;
  if (process.stderr.isTTY) process.stderr.write(`\r${bar}${done === total ? '\n' : ''}`);
  else if (Math.floor(percent / 10) > lastTenth) {
    lastTenth = Math.floor(percent / 10);
    process.stderr.write(`${bar}\n`);
  }
}

const tasks = Array.from({ length: total }, (_, index) =>
  parseTask({
    name: `task-${index + 1}`,
    command,
    env: { TASK_INDEX: String(index + 1) },
    requirements: { container: 'capstan-test/busybox:1', cpu: 0.1, memory: '64 MiB' },
  }),
);
let results: TaskResult[];
try {
  results = await Promise.all(
    tasks.map(async (task) => {
      const result = await engine.run(task);
      done += 1;
      if (result.state !== 'succeeded') failed += 1;
      progress();
      return result;
    }),
  );
} finally {
  engine.close();
}
const failures = results.filter((result) => result.state !== 'succeeded');
for (const result of failures.slice(0, 5)) {
  const why = result.error?.message ?? result.attempts.at(-1)?.message ?? `exit ${result.exitCode}`;
  console.error(`${result.taskName}: ${result.state} (${result.endReason}): ${why}; see ${result.folder}`);
}
console.log(`run ${engine.runId}: ${total - failed} of ${total} tasks succeeded, folders in ${engine.runFolder}`);
process.exitCode = failures.length === 0 ? 0 : 1;
