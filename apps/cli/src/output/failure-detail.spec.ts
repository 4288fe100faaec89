import { type AttemptRecord, type TaskResult } from '@capstan/engine';
import { mkdir, mkdtemp, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { failureDetails } from './failure-detail';

const MIB = 1024 * 1024;

describe('failureDetails (why a task failed, for people)', () => {
  let dir: string;
  let attemptFolder: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cli-failures-detail-'));
    attemptFolder = join(dir, 'task', 'attempts', '1');
    await mkdir(attemptFolder, { recursive: true });
    await writeFile(join(attemptFolder, 'stdout'), '');
    await writeFile(join(attemptFolder, 'stderr'), '');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function attempt(overrides: Partial<AttemptRecord> = {}): AttemptRecord {
    return { attempt: 1, attemptName: 'task', folder: attemptFolder, exitCode: 2, endReason: 'exited', memory: 64 * MIB, memoryLimit: null, cpu: 1, startedAt: '', endedAt: '', ...overrides };
  }
  function result(overrides: Partial<TaskResult> = {}): TaskResult {
    const phases = { resolveMs: 0, queueMs: 0, stageMs: 0, runMs: 0, collectMs: 0, cleanupMs: 0, totalMs: 0 };
    return { runId: 'r', taskName: 'task', uniqueName: 'task-1', backend: 'docker', state: 'failed', exitCode: 2, endReason: 'exited', attempts: [attempt()], outputs: [], published: [], outputsFolder: null, missingOutputs: [], folder: join(dir, 'task'), folderDeleted: false, phases, warnings: [], ...overrides };
  }

  it('says nothing about tasks that succeeded with the memory they asked for', async () => {
    expect(await failureDetails([result({ state: 'succeeded', exitCode: 0 })])).toBe('');
  });

  it('reads at most the last 8 KiB of a huge stream, whole lines, and at most 12 of them', async () => {
    const stderr = join(attemptFolder, 'stderr');
    await truncate(stderr, 0);
    await writeFile(stderr, 'x'.repeat(64 * MIB));
    await writeFile(stderr, Array.from({ length: 40 }, (_, i) => `line ${i}`).join('\n') + '\n', { flag: 'a' });
    const text = await failureDetails([result()]);
    expect(text).toContain('stderr, its last 12 lines');
    expect(text).toContain('| line 39');
    expect(text).not.toContain('| line 27\n');
    expect(text).not.toContain('xxxxxxxxxx');
  });

  it('clips a very long line and shows control characters as ?', async () => {
    await writeFile(join(attemptFolder, 'stderr'), `\u001b[31mred\u001b[0m ${'y'.repeat(500)}\n`);
    const text = await failureDetails([result()]);
    expect(text).toContain('| ?[31mred?[0m yyy');
    expect(text).toContain('… (');
    expect(text).not.toContain('\u001b');
  });

  it('refuses a stream that is a link out of the folder, and never shows the target', async () => {
    const secret = join(dir, 'secret');
    await writeFile(secret, 'host secret\n');
    await rm(join(attemptFolder, 'stderr'));
    await symlink(secret, join(attemptFolder, 'stderr'));
    const text = await failureDetails([result()]);
    expect(text).toMatch(/stderr: not shown \(.*link/);
    expect(text).not.toContain('host secret');
  });

  it('says so when a stream file is missing, or the folder was deleted by retention', async () => {
    await rm(join(attemptFolder, 'stdout'));
    expect(await failureDetails([result()])).toMatch(/stdout: not shown \(.*ENOENT/);
    expect(await failureDetails([result({ folderDeleted: true })])).toContain('its folder was deleted (retention)');
  });

  it('does not repeat Capstan\'s own error, which the summary already shows', async () => {
    const failed = result({ state: 'error', attempts: [attempt({ endReason: 'error', message: 'the image has no shell' })], error: { code: 'container.shell_not_found', message: 'the image has no shell', path: 'hints.shell' } });
    expect(await failureDetails([failed])).not.toContain('the image has no shell');
  });

  it('shows the memory of each attempt when an out-of-memory end raised it, also for a task that succeeded', async () => {
    const attempts = [attempt({ endReason: 'oom', exitCode: 137 }), attempt({ attempt: 2, exitCode: 0, memory: 128 * MIB, memoryLimit: 256 * MIB })];
    const text = await failureDetails([result({ state: 'succeeded', exitCode: 0, attempts })]);
    expect(text).toBe('  task: memory raised after out-of-memory ends: attempt 1 64 MiB, attempt 2 128 MiB (limit 256 MiB)\n');
  });
});
