import { createStoredTask, type TesState, validateCreateTask } from '@capstan/tes-model';
import { SqliteTesTaskStore } from '@capstan/tes-store';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TaskRetention } from './task-retention';

const HOUR = 3_600_000;
const PATHS: Readonly<Record<TesState, TesState[]>> = {
  COMPLETE: ['INITIALIZING', 'RUNNING', 'COMPLETE'],
  EXECUTOR_ERROR: ['INITIALIZING', 'RUNNING', 'EXECUTOR_ERROR'],
  SYSTEM_ERROR: ['SYSTEM_ERROR'],
  CANCELED: ['CANCELING', 'CANCELED'],
  PREEMPTED: ['INITIALIZING', 'RUNNING', 'PREEMPTED'],
  RUNNING: ['INITIALIZING', 'RUNNING'],
  INITIALIZING: ['INITIALIZING'],
  QUEUED: [],
  CANCELING: ['CANCELING'],
  PAUSED: ['PAUSED'],
  UNKNOWN: [],
};

describe('TaskRetention', () => {
  let dataDir: string;
  let store: SqliteTesTaskStore;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'capstan-retention-'));
    store = new SqliteTesTaskStore({ file: ':memory:' });
  });

  afterEach(() => {
    store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A task walked to `state`, with a folder holding one file, as the service leaves it. */
  function taskIn(state: TesState): string {
    const task = createStoredTask(validateCreateTask({ executors: [{ image: 'alpine:3', command: ['true'] }] }));
    store.insert(task, 'alice');
    for (const next of PATHS[state]) store.update(task.id, (stored) => ({ ...stored, state: next }));
    mkdirSync(join(dataDir, 'tasks', task.id, 'files'), { recursive: true });
    writeFileSync(join(dataDir, 'tasks', task.id, 'files', 'out.txt'), 'x');
    return task.id;
  }

  const retention = (shift: number, batchSize = 2) => new TaskRetention(store, dataDir, { maxAgeMs: HOUR, intervalMs: HOUR, batchSize }, undefined, () => Date.now() + shift);

  it('deletes finished tasks past the age and their folders, in batches, and keeps every task still going', async () => {
    const finished = (['COMPLETE', 'EXECUTOR_ERROR', 'SYSTEM_ERROR', 'CANCELED', 'PREEMPTED'] as const).map(taskIn);
    const going = (['QUEUED', 'INITIALIZING', 'RUNNING', 'CANCELING', 'PAUSED'] as const).map(taskIn);
    expect(await retention(2 * HOUR).sweep()).toBe(5);
    for (const id of finished) {
      expect(store.get(id)).toBeUndefined();
      expect(existsSync(join(dataDir, 'tasks', id))).toBe(false);
    }
    for (const id of going) {
      expect(store.get(id)).toBeDefined();
      expect(existsSync(join(dataDir, 'tasks', id, 'files', 'out.txt'))).toBe(true);
    }
  });

  it('sweeps once at start, before the first interval', async () => {
    const id = taskIn('COMPLETE');
    const sweeper = retention(2 * HOUR);
    sweeper.start();
    try {
      for (let tries = 0; tries < 100 && store.get(id) !== undefined; tries += 1) await new Promise((wait) => setTimeout(wait, 10));
      expect(store.get(id)).toBeUndefined();
    } finally {
      sweeper.stop();
    }
  });

  it('keeps finished tasks younger than the age', async () => {
    const id = taskIn('COMPLETE');
    expect(await retention(HOUR / 2).sweep()).toBe(0);
    expect(store.get(id)).toBeDefined();
    expect(existsSync(join(dataDir, 'tasks', id))).toBe(true);
  });

  it('deletes links a task left, never what they point at (hostile: a link to a host folder)', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'capstan-retention-host-'));
    try {
      writeFileSync(join(outside, 'precious'), 'keep me');
      const id = taskIn('COMPLETE');
      symlinkSync(outside, join(dataDir, 'tasks', id, 'files', 'escape'));
      symlinkSync(join(outside, 'precious'), join(dataDir, 'tasks', id, 'files', 'file-link'));
      expect(await retention(2 * HOUR).sweep()).toBe(1);
      expect(readFileSync(join(outside, 'precious'), 'utf8')).toBe('keep me');
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('deletes the row of a task whose folder is already gone (a crash between the two deletes)', async () => {
    const id = taskIn('COMPLETE');
    rmSync(join(dataDir, 'tasks', id), { recursive: true });
    expect(await retention(2 * HOUR).sweep()).toBe(1);
    expect(store.get(id)).toBeUndefined();
  });

  it('reports a folder it cannot delete and keeps the row, so the next sweep tries again', async () => {
    const id = taskIn('COMPLETE');
    // A NUL byte makes every path under the data folder one the file system refuses.
    const failing = new TaskRetention(store, '\0not-a-path', { maxAgeMs: HOUR, intervalMs: HOUR, batchSize: 2 }, undefined, () => Date.now() + 2 * HOUR);
    await expect(failing.sweep()).rejects.toThrow();
    expect(store.get(id)).toBeDefined();
  });
});
