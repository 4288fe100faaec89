import type * as zod from 'zod';
import type * as taskModule from '../task/task';
import { lazySchema } from './lazy-schema';

// Every call of a `z.*` builder the modules make, counted through a module mock (the real zod underneath).
let zodCalls: string[] = [];
jest.mock('zod', () => {
  const actual = jest.requireActual<typeof zod>('zod');
  // Builders only (lower-case names): the classes stay as they are, for instanceof.
  const counted = Object.fromEntries(
    Object.entries(actual.z).map(([key, value]) => [
      key,
      typeof value === 'function' && /^[a-z]/.test(key)
        ? (...args: unknown[]) => {
            zodCalls.push(key);
            return (value as (...all: unknown[]) => unknown)(...args);
          }
        : value,
    ]),
  );
  return { ...actual, z: counted };
});

describe('lazySchema', () => {
  it('builds on the first call, once, and hands back the same schema', () => {
    const build = jest.fn(() => ({ schema: 1 }));
    const schema = lazySchema(build);
    expect(build).not.toHaveBeenCalled();
    const first = schema();
    expect(schema()).toBe(first);
    expect(build).toHaveBeenCalledTimes(1);
  });

  it('fault: a build that throws is tried again at the next call, not kept as a broken schema', () => {
    const build = jest.fn().mockImplementationOnce(() => {
      throw new Error('out of memory');
    }).mockReturnValue('built');
    const schema = lazySchema(build);
    expect(() => schema()).toThrow('out of memory');
    expect(schema()).toBe('built');
    expect(build).toHaveBeenCalledTimes(2);
  });
});

describe('the task parser builds its schemas at first use (start-up cost)', () => {
  type TaskModule = typeof taskModule;
  const load = (): TaskModule => {
    let loaded: TaskModule | undefined;
    jest.isolateModules(() => {
      loaded = jest.requireActual<TaskModule>('../task/task');
    });
    return loaded as TaskModule;
  };

  beforeEach(() => {
    zodCalls = [];
  });

  it('importing it builds none; a minimal task builds only what it reads, a second task nothing more', () => {
    const { parseTask } = load();
    expect(zodCalls).toEqual([]);
    expect(parseTask({ name: 'a', command: 'true' })).toMatchObject({ name: 'a', command: 'true', inputs: [], outputs: [], env: {} });
    const minimal = zodCalls.length;
    expect(minimal).toBeGreaterThan(0);
    // No requirement, hint or output schema: none of those was given (container, memory and disks are Capstan's own
    // parsers wrapped in z.unknown(), return codes a z.literal).
    expect(zodCalls.filter((name) => name === 'unknown' || name === 'literal')).toEqual([]);
    parseTask({ name: 'b', command: 'true' });
    expect(zodCalls.length).toBe(minimal);
  });

  it('control: a task that gives every attribute builds more, and each of its errors is still the typed one', () => {
    const { parseTask } = load();
    parseTask({ name: 'a', command: 'true' });
    const minimal = zodCalls.length;
    const full = {
      name: 'a',
      command: 'true',
      requirements: { container: 'busybox', cpu: 2, memory: '1 GiB', gpu: false, fpga: false, disks: '10', max_retries: 1, return_codes: [0, 3] },
      hints: { max_cpu: 4, max_memory: '2 GiB', gpu: 1, short_task: true, preemptible: 2, disks: 'SSD' },
      outputs: ['*.txt', { pattern: 'log?', optional: true }],
      env: { N: 3 },
      inputs: [{ source: '/data/in.txt' }],
    };
    expect(parseTask(full)).toMatchObject({ requirements: { cpu: 2, maxRetries: 1 }, hints: { maxCpu: 4 } });
    expect(zodCalls.length).toBeGreaterThan(minimal);
    expect(zodCalls).toEqual(expect.arrayContaining(['unknown', 'literal']));
    // Hostile values meet the same schemas, built or not yet: the first issue is a CapstanError naming the field.
    const { parseTask: fresh } = load();
    expect(() => fresh({ name: 'a', command: 'true', requirements: { max_retries: 1000 } })).toThrow(expect.objectContaining({ code: 'value.invalid', path: 'requirements.max_retries' }));
    expect(() => fresh({ name: 'a', command: 'true', hints: { gpu: -1 } })).toThrow(expect.objectContaining({ path: 'hints.gpu' }));
    expect(() => fresh({ name: 'a', command: 'true', outputs: [{ pattern: 'x', extra: 1 }] })).toThrow(expect.objectContaining({ path: 'outputs.0' }));
  });
});
