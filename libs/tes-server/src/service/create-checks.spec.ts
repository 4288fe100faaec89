import { CapstanError } from '@capstan/core-constraints';
import { validateCreateTask, type ValidatedTask } from '@capstan/tes-model';
import fc from 'fast-check';
import { checkExecutorTask, executorTask } from './executor-task';
import { planTaskLayout } from './task-layout';

/** What a check answers: nothing, or the CapstanError's code, path and message. */
function outcome(check: () => void): string {
  try {
    check();
    return 'passes';
  } catch (error) {
    if (!(error instanceof CapstanError)) throw error;
    return `${error.code} at ${String(error.path)}: ${error.message}`;
  }
}

/** Every executor's whole Capstan task built and parsed, as a run does. */
function fullCheck(task: ValidatedTask): string {
  return outcome(() => {
    const layout = planTaskLayout(task, '/');
    task.executors.forEach((_executor, index) => executorTask('check', task, index, layout));
  });
}

/** What a create checks: the layout, then only what a validated task can get wrong in each executor's Capstan task. */
function createCheck(task: ValidatedTask): string {
  return outcome(() => {
    planTaskLayout(task, '/');
    task.executors.forEach((_executor, index) => checkExecutorTask(task, index));
  });
}

const image = fc.oneof(
  fc.constantFrom('busybox', 'ubuntu:22.04', 'quay.io/biocontainers/samtools:1.17--h00cdaf9_0', 'docker://alpine:3', 'localhost:5000/x/y:1'),
  fc.constantFrom('Ubuntu', 'bad image', 'x::y', 'docker://', 'a@sha256:zz', ' busybox'),
  fc.string({ maxLength: 12 }),
);
const envName = fc.oneof(fc.constantFrom('THREADS', '_x', 'ok_2', '1BAD', 'with-dash', 'é', 'a b'), fc.string({ minLength: 1, maxLength: 6 }));
const path = fc.oneof(
  fc.constantFrom('/data/in/a', '/data/in/a ', '/data/out', '/data/out/', '/data//x', '/data/./x', '/mnt/task/work/x', '/mnt/task/command', '/tmp/x', '/'),
  fc.string({ maxLength: 8 }).map((tail) => `/data/${tail}`),
);
const executor = fc.record(
  {
    image,
    command: fc.constant(['sh', '-c', 'true']),
    env: fc.dictionary(envName, fc.string({ maxLength: 4 }), { maxKeys: 3 }),
    workdir: path,
    stdout: path,
  },
  { requiredKeys: ['image', 'command'] },
);
const body = fc.record(
  {
    name: fc.string({ maxLength: 8 }),
    tags: fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), { maxKeys: 3 }),
    resources: fc.record(
      {
        cpu_cores: fc.integer({ min: 1, max: 512 }),
        ram_gb: fc.oneof(fc.double({ min: 1e-9, max: 1e7, noNaN: true }), fc.constantFrom(4, 1e300, 1e12, 1e-12, 0.5)),
      },
      { requiredKeys: [] },
    ),
    inputs: fc.array(fc.record({ path, content: fc.constant('x') }), { maxLength: 3 }),
    outputs: fc.array(fc.record({ path, url: fc.constant('https://data.example.org/out/x') }), { maxLength: 2 }),
    volumes: fc.array(path, { maxLength: 2 }),
    executors: fc.array(executor, { minLength: 1, maxLength: 2 }),
  },
  { requiredKeys: ['executors'] },
);

function validated(raw: unknown): ValidatedTask | undefined {
  try {
    return validateCreateTask(raw);
  } catch {
    return undefined;
  }
}

describe("a create's check of each executor's Capstan task", () => {
  it('answers as building and parsing the whole Capstan task does, on generated tasks', () => {
    let refused = 0;
    let passed = 0;
    fc.assert(
      fc.property(body, (raw) => {
        const task = validated(raw);
        fc.pre(task !== undefined);
        const expected = fullCheck(task);
        expect(createCheck(task)).toBe(expected);
        if (expected === 'passes') passed += 1;
        else refused += 1;
      }),
      { numRuns: 1500 },
    );
    // Both kinds of answer were compared, not only one.
    expect(refused).toBeGreaterThan(50);
    expect(passed).toBeGreaterThan(50);
  });

  it('answers the same for parts it checked before, a refusal every time and with its own message', () => {
    const good = validateCreateTask({ resources: { ram_gb: 2 }, executors: [{ image: 'busybox', command: ['true'], env: { A: '1' } }] });
    const bad = validateCreateTask({ resources: { ram_gb: 2 }, executors: [{ image: 'busybox', command: ['true'], env: { 'a-b': '1' } }] });
    const badElsewhere = validateCreateTask({
      resources: { ram_gb: 2 },
      executors: [
        { image: 'busybox', command: ['true'], env: { A: '1' } },
        { image: 'busybox', command: ['true'], env: { 'a-b': '1' } },
      ],
    });
    for (let round = 0; round < 3; round += 1) {
      expect(createCheck(good)).toBe('passes');
      expect(createCheck(bad)).toBe(fullCheck(bad));
      expect(createCheck(bad)).toMatch(/ at env\.a-b: /);
      // The second executor's refusal names it, though its first executor's parts passed before.
      expect(createCheck(badElsewhere)).toBe(fullCheck(badElsewhere));
    }
  });

  it('keeps answering right past the bound on parts it remembers, for passes and refusals alike', () => {
    for (let index = 0; index < 3000; index += 1) {
      const env = index % 7 === 0 ? { [`bad-${index}`]: 'x' } : { [`V${index}`]: 'x'.repeat(index % 5000) };
      const task = validateCreateTask({ executors: [{ image: 'busybox', command: ['true'], env }] });
      expect(createCheck(task)).toBe(index % 7 === 0 ? fullCheck(task) : 'passes');
    }
    const bad = validateCreateTask({ executors: [{ image: 'busybox', command: ['true'], env: { 'bad-0': 'x' } }] });
    expect(createCheck(bad)).toMatch(/ at env\.bad-0: /);
  });

  it.each([
    ['an env name a shell cannot set', { image: 'busybox', command: ['true'], env: { 'with-dash': '1' } }, {}, 'env.with-dash'],
    ['memory beyond any size', { image: 'busybox', command: ['true'] }, { ram_gb: 1e300 }, 'requirements.memory'],
  ])('refuses %s, naming the Capstan field', (_what, executorBody, resources, field) => {
    const task = validateCreateTask({ resources, executors: [executorBody] });
    expect(createCheck(task)).toMatch(new RegExp(` at ${field.replace(/[.]/g, '\\.')}: `));
    expect(createCheck(task)).toBe(fullCheck(task));
  });
});
