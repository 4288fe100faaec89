import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildCli, capstan, folderPerTest } from './testing/cli-harness';

const IMAGE = 'capstan-test/busybox:1';
/**
 * Needs about 48 MiB at once. The pause after the kill lets the runtime record the out-of-memory kill while the
 * container still runs: under load Docker once reported an exit 137 right after one as a plain exit.
 */
const ALLOCATE = 'dd if=/dev/zero of=/dev/null bs=48M count=1 2> /dev/null || { sleep 1; exit 137; }';
const MIB = 1024 * 1024;

interface Event {
  type: string;
  attempt?: number;
  memory?: number;
  memoryLimit?: number | null;
  factor?: number;
}
interface Result {
  state: string;
  exitCode: number | null;
  endReason: string | null;
  folder: string;
  attempts: Array<{ attempt: number; folder: string; exitCode: number | null; endReason: string; memory: number; memoryLimit: number | null }>;
  error?: { code: string; message: string; path: string | null };
}

function parse(ndjson: string): { events: Event[]; result: Result } {
  const lines = ndjson.trim().split('\n').map((line) => JSON.parse(line) as Event & { results?: Result[] });
  const summary = lines[lines.length - 1];
  expect(summary?.type).toBe('summary');
  return { events: lines.slice(0, -1), result: summary?.results?.[0] as Result };
}

describe('capstan run: failures that explain, retries that learn (the built CLI, real Docker)', () => {
  jest.setTimeout(120_000);
  beforeAll(buildCli, 60_000);
  const folder = folderPerTest('cli-failures-');

  async function taskFile(name: string, body: Record<string, unknown>): Promise<string> {
    const file = join(folder(), `${name}.json`);
    await writeFile(file, JSON.stringify({ name, ...body }));
    return file;
  }
  const run = (file: string, ...flags: string[]) => capstan(['run', file, '--backend', 'docker', '--work-root', join(folder(), 'runs'), ...flags]);

  it('ends at once when the image has no bash: a typed error naming the image, the shell and the fix, not retried', async () => {
    const file = await taskFile('noshell', { command: 'echo hi', requirements: { container: IMAGE, max_retries: 2 } });
    const json = await run(file, '--json');
    expect(json.code).toBe(69);
    const { events, result } = parse(json.stdout);
    expect(events.filter((event) => event.type === 'attempt-started')).toHaveLength(1);
    expect(result).toMatchObject({ state: 'error', error: { code: 'container.shell_not_found', path: 'hints.shell' } });
    expect(result.error?.message).toContain(`the image ${IMAGE} has no shell "bash"`);
    expect(result.error?.message).toContain('hints.shell');
    expect(result.error?.message).toContain('--shell sh');

    const human = await run(file);
    expect(human.code).toBe(69);
    expect(human.stdout).not.toContain('retrying');
    expect(human.stdout).toContain('noshell: hints.shell: the image capstan-test/busybox:1 has no shell "bash"');
  });

  it.each([
    ['podman (catatonit, exit 1)', 'podman', 'localhost/capstan-test/busybox:1', 'bash'],
    ['apptainer (exit 255)', 'apptainer', 'file:///var/lib/capstan/test-images/busybox.sif', 'bash'],
    ['apptainer, a shell given as a path', 'apptainer', 'file:///var/lib/capstan/test-images/busybox.sif', '/bin/bash'],
    ['docker, a shell given as a path', 'docker', IMAGE, '/bin/bash'],
  ])('reads the missing shell on %s too', async (_engine, backend, image, shell) => {
    const file = await taskFile('noshell', { command: 'echo hi', requirements: { container: image, max_retries: 2 } });
    const json = await capstan(['run', file, '--backend', backend, '--shell', shell, '--work-root', join(folder(), 'runs'), '--json']);
    const { events, result } = parse(json.stdout);
    expect(result.error?.code).toBe('container.shell_not_found');
    expect(events.filter((event) => event.type === 'attempt-started')).toHaveLength(1);
    expect(json.code).toBe(69);
  });

  it('reads the missing shell when Docker runs without an init (runc refuses the start)', async () => {
    await writeFile(join(folder(), 'capstan.yaml'), 'docker:\n  init: false\n');
    const file = await taskFile('noinit', { command: 'echo hi', requirements: { container: IMAGE, max_retries: 2 } });
    const json = await capstan(['run', file, '--backend', 'docker', '--work-root', join(folder(), 'runs'), '--json'], { cwd: folder() });
    const { events, result } = parse(json.stdout);
    expect(result.error?.code).toBe('container.shell_not_found');
    expect(result.error?.message).toContain('the runtime said: exec: "bash": executable file not found');
    expect(events.filter((event) => event.type === 'attempt-started')).toHaveLength(1);
  });

  it('retries a task whose own command exits 127 as usual (the shell\'s "not found" is the task\'s)', async () => {
    const file = await taskFile('own127', { command: 'nosuchcommand-cli-failures', requirements: { container: IMAGE, max_retries: 1 }, hints: { shell: 'sh' } });
    const result = await run(file);
    expect(result.code).toBe(127);
    expect(result.stdout).toContain('attempt 1 failed (exit 127), retrying');
    expect(result.stdout).toMatch(/own127: failed: exit 127, end reason exited, after 2 attempts/);
    expect(result.stdout).toContain('| /mnt/task/command: line 1: nosuchcommand-cli-failures: not found');
  });

  it('shows why a task failed: exit code, end reason, the tails of stderr and stdout, the paths of the whole files', async () => {
    const command = 'for i in $(seq 1 30); do echo "err line $i" >&2; echo "out line $i"; done; printf "\\033]0;pwned\\007\\033[2Jbad\\n" >&2; echo "the real error" >&2; exit 3';
    const file = await taskFile('tails', { command, requirements: { container: IMAGE }, hints: { shell: 'sh' } });
    const result = await run(file);
    expect(result.code).toBe(3);
    const out = result.stdout;
    expect(out).toContain('tails: failed: exit 3, end reason exited, after 1 attempt');
    expect(out).toMatch(/stderr, its last 12 lines \(whole file: \/.*\/attempts\/1\/stderr\):/);
    expect(out).toContain('| the real error');
    expect(out).toContain('| err line 30');
    expect(out).not.toContain('err line 19\n');
    expect(out).toMatch(/stdout, its last 12 lines \(whole file: \/.*\/attempts\/1\/stdout\):/);
    expect(out).toContain('| out line 30');
    // The task's terminal escapes never reach the terminal.
    expect(out).not.toContain('\u001b');
    expect(out).not.toContain('\u0007');
    expect(out).toContain('| ?]0;pwned??[2Jbad');
  });

  it('refuses a stderr the task replaced with a link to a host file: the host file is not shown', async () => {
    const secret = join(folder(), 'host-secret');
    await writeFile(secret, 'cli-failures-secret-content\n');
    // After a pause: the host has opened its stderr file by then, so the link replaces it (ln -f) instead of racing the open.
    const command = `sleep 0.5; ln -sf ${secret} "$CAPSTAN_TASK_ROOT/stderr"; exit 4`;
    const file = await taskFile('hostile', { command, hints: { shell: 'sh' } });
    const result = await capstan(['run', file, '--backend', 'local', '--work-root', join(folder(), 'runs')]);
    expect(result.code).toBe(4);
    expect(result.stdout).toMatch(/stderr: not shown \(.*link/);
    expect(result.stdout).not.toContain('cli-failures-secret-content');
  });

  it('tells the command its attempt number in CAPSTAN_ATTEMPT', async () => {
    const file = await taskFile('attempts', { command: 'echo "attempt $CAPSTAN_ATTEMPT"; test "$CAPSTAN_ATTEMPT" -ge 2', requirements: { container: IMAGE, max_retries: 2 }, hints: { shell: 'sh' } });
    const json = await run(file, '--json');
    expect(json.code).toBe(0);
    const { result } = parse(json.stdout);
    expect(result.attempts).toHaveLength(2);
    expect(await readFile(join(result.folder, 'attempts', '1', 'stdout'), 'utf8')).toBe('attempt 1\n');
    expect(await readFile(join(result.folder, 'attempts', '2', 'stdout'), 'utf8')).toBe('attempt 2\n');
  });

  it('retries an out-of-memory end with more memory (memory_retry_multiplier), in the events and the summary', async () => {
    const file = await taskFile('oom', { command: ALLOCATE, requirements: { container: IMAGE, memory: '16 MiB', max_retries: 2 }, hints: { shell: 'sh', memory_retry_multiplier: 4 } });
    const json = await run(file, '--json');
    expect(json.code).toBe(0);
    const { events, result } = parse(json.stdout);
    expect(result.attempts.map((attempt) => [attempt.endReason, attempt.memory / MIB])).toEqual([
      ['oom', 16],
      ['exited', 64],
    ]);
    expect(events.filter((event) => event.type === 'memory-escalated')).toMatchObject([{ attempt: 2, factor: 4, memory: 64 * MIB, memoryLimit: null }]);

    const human = await run(file);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('attempt 2 gets 64 MiB of memory after running out (x4)');
    expect(human.stdout).toContain('oom: memory raised after out-of-memory ends: attempt 1 16 MiB, attempt 2 64 MiB');
  });

  it.each([
    ['podman', 'localhost/capstan-test/busybox:1'],
    ['apptainer', 'file:///var/lib/capstan/test-images/busybox.sif'],
  ])('retries an out-of-memory end with more memory on %s too', async (backend, image) => {
    const file = await taskFile('oom', { command: ALLOCATE, requirements: { container: image, memory: '16 MiB', max_retries: 2 }, hints: { shell: 'sh', memory_retry_multiplier: 4 } });
    const json = await capstan(['run', file, '--backend', backend, '--work-root', join(folder(), 'runs'), '--json']);
    expect(json.code).toBe(0);
    const { result } = parse(json.stdout);
    expect(result.attempts.map((attempt) => [attempt.endReason, attempt.memory / MIB])).toEqual([
      ['oom', 16],
      ['exited', 64],
    ]);
  });

  it('does not raise memory after an out-of-memory end by default', async () => {
    const file = await taskFile('oomplain', { command: ALLOCATE, requirements: { container: IMAGE, memory: '16 MiB', max_retries: 1 }, hints: { shell: 'sh' } });
    const json = await run(file, '--json');
    expect(json.code).toBe(137);
    const { result } = parse(json.stdout);
    expect(result.attempts.map((attempt) => [attempt.endReason, attempt.memory / MIB])).toEqual([
      ['oom', 16],
      ['oom', 16],
    ]);
  });
});
