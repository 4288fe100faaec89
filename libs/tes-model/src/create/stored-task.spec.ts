import fc from 'fast-check';
import { isTaskId } from '../ids/task-id';
import { acceptCreateTask } from './accept-create-task';
import { createStoredTask, storedTesTaskSchema } from './stored-task';
import { validateCreateTask } from './validate-create-task';

describe('createStoredTask', () => {
  const task = validateCreateTask({ name: 'hello', executors: [{ image: 'alpine:3', command: ['echo', 'hello'] }] });

  it('adds a new id, state QUEUED, empty logs and the creation time', () => {
    const stored = createStoredTask(task, { id: 'task-1', now: new Date('2020-10-02T15:00:00Z') });
    expect(stored).toEqual({ ...task, id: 'task-1', state: 'QUEUED', logs: [], creation_time: '2020-10-02T15:00:00.000Z' });
    expect(Object.keys(stored)).toEqual(['id', 'state', 'name', 'inputs', 'outputs', 'executors', 'volumes', 'tags', 'logs', 'creation_time']);
  });

  it('makes a sortable id and uses the current time by default', () => {
    const before = Date.now();
    const stored = createStoredTask(task);
    expect(isTaskId(stored.id)).toBe(true);
    expect(Date.parse(stored.creation_time)).toBeGreaterThanOrEqual(before);
  });

  it('reads back what it stored (JSON round trip)', () => {
    const stored = createStoredTask(task, { id: 'task-1' });
    const row = JSON.parse(JSON.stringify(stored)) as unknown;
    expect(storedTesTaskSchema.parse(row)).toEqual(stored);
  });

  it('refuses a stored row without the read-only fields', () => {
    expect(storedTesTaskSchema.safeParse(JSON.parse(JSON.stringify(task))).success).toBe(false);
  });

  it('gives a task the stored schema would leave exactly as it is, key order included (so a store need not parse it again)', () => {
    const word = fc.stringMatching(/^[a-z][a-z0-9_]{0,5}$/);
    const path = word.map((name) => `/data/${name}`);
    const executor = fc.record(
      {
        image: fc.constantFrom('alpine:3', 'busybox', 'ghcr.io/org/tool@sha256:' + 'a'.repeat(64)),
        command: fc.array(fc.string(), { minLength: 1, maxLength: 3 }),
        env: fc.dictionary(word.map((name) => name.toUpperCase()), fc.string(), { maxKeys: 2 }),
        workdir: path,
        stdout: path,
        ignore_error: fc.boolean(),
      },
      { requiredKeys: ['image', 'command'] },
    );
    const body = fc.record(
      {
        name: fc.string(),
        description: fc.string(),
        tags: fc.dictionary(word, fc.string(), { maxKeys: 3 }),
        resources: fc.record(
          { cpu_cores: fc.integer({ min: 1, max: 8 }), ram_gb: fc.double({ min: 0.1, max: 64, noNaN: true }), preemptible: fc.boolean(), backend_parameters: fc.dictionary(fc.constantFrom('backend', 'other'), fc.string()) },
          { requiredKeys: [] },
        ),
        inputs: fc.array(fc.oneof(fc.record({ url: fc.constant('s3://bucket/x'), path }), fc.record({ content: fc.string(), path, type: fc.constant('FILE') })), { maxLength: 3 }),
        outputs: fc.array(fc.record({ url: fc.constant('s3://bucket/out'), path }), { maxLength: 2 }),
        volumes: fc.array(path, { maxLength: 2 }),
        executors: fc.array(executor, { minLength: 1, maxLength: 3 }),
        state: fc.constant('COMPLETE'),
      },
      { requiredKeys: ['executors'] },
    );
    let accepted = 0;
    fc.assert(
      fc.property(body, (document) => {
        let result: ReturnType<typeof acceptCreateTask>;
        try {
          result = acceptCreateTask(document, { supportedBackendParameters: ['backend'] });
        } catch {
          return; // refused bodies (duplicate paths, say) are another test's matter
        }
        accepted += 1;
        const stored = createStoredTask(result.task, { id: 'task-1', now: new Date(0) });
        // With the task log of warnings the TES server adds (engine-tes-service createTask) when it has any.
        const withWarnings = { ...stored, logs: [{ logs: [], outputs: [], system_logs: [...result.warnings, 'a warning'] }] };
        for (const written of [stored, withWarnings]) expect(JSON.stringify(storedTesTaskSchema.parse(written))).toBe(JSON.stringify(written));
      }),
      { numRuns: 300 },
    );
    expect(accepted).toBeGreaterThan(100);
  });
});
