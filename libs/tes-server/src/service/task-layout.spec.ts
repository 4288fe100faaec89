import { CapstanError } from '@capstan/core-constraints';
import { validateCreateTask } from '@capstan/tes-model';
import { shellQuote } from '@capstan/support';
import { executorIndexOf, executorScript, executorTask, executorTaskName } from './executor-task';
import { planTaskLayout } from './task-layout';

const executor = { image: 'capstan-test/busybox:1', command: ['echo', 'hi'] };

function task(extra: Record<string, unknown>) {
  return validateCreateTask({ executors: [executor], ...extra });
}

function refusal(run: () => unknown): CapstanError {
  try {
    run();
  } catch (error) {
    if (error instanceof CapstanError) return error;
    throw error;
  }
  throw new Error('expected a CapstanError');
}

describe('planTaskLayout', () => {
  it('shares volumes and output folders read-write and binds other inputs read-only, parents first', () => {
    const layout = planTaskLayout(
      task({
        volumes: ['/vol/scratch'],
        inputs: [
          { url: 'file:///x/a.txt', path: '/in/a.txt' },
          { content: 'hello', path: '/vol/scratch/greeting.txt' },
          { url: 'file:///x/ref', path: '/ref', type: 'DIRECTORY' },
          { url: 'file:///x/ref/extra', path: '/ref/extra.txt' },
        ],
        outputs: [
          { url: 'file:///out/result', path: '/out/result.txt' },
          { url: 'file:///out/all', path: '/out/all', type: 'DIRECTORY' },
          { url: 'file:///out/logs', path: '/logs/run/*.log', path_prefix: '/logs/' },
        ],
      }),
      '/data/t1',
    );
    expect(layout.mounts).toEqual([
      { guestPath: '/out', hostPath: '/data/t1/out', type: 'directory', writable: true },
      { guestPath: '/ref', hostPath: '/data/t1/ref', type: 'directory', writable: false },
      { guestPath: '/in/a.txt', hostPath: '/data/t1/in/a.txt', type: 'file', writable: false },
      { guestPath: '/logs/run', hostPath: '/data/t1/logs/run', type: 'directory', writable: true },
      { guestPath: '/vol/scratch', hostPath: '/data/t1/vol/scratch', type: 'directory', writable: true },
    ]);
    expect(layout.inputs.map((input) => [input.index, input.hostPath])).toEqual([
      [0, '/data/t1/in/a.txt'],
      [1, '/data/t1/vol/scratch/greeting.txt'],
      [2, '/data/t1/ref'],
      [3, '/data/t1/ref/extra.txt'],
    ]);
    expect(layout.folders).toEqual(['/data/t1/out', '/data/t1/logs/run', '/data/t1/vol/scratch']);
  });

  it('shares the folders that executors redirect stdout and stderr into', () => {
    const layout = planTaskLayout(validateCreateTask({ executors: [{ ...executor, stdout: '/logs/out.txt', stderr: '/logs/err/e.txt' }] }), '/r');
    expect(layout.mounts.map((mount) => [mount.guestPath, mount.writable])).toEqual([['/logs', true]]);
  });

  it("refuses paths on the engine's own work dir and command file, naming the field, and allows the rest of /mnt/task", () => {
    const error = refusal(() => planTaskLayout(task({ inputs: [{ content: 'x', path: '/mnt/task/work/x' }] }), '/r'));
    expect(error).toMatchObject({ code: 'tes.invalid_task', path: 'inputs.0.path' });
    expect(error.message).toContain('/mnt/task/work');
    expect(refusal(() => planTaskLayout(task({ volumes: ['/mnt/task'] }), '/r'))).toMatchObject({ path: 'volumes.0' });
    expect(refusal(() => planTaskLayout(task({ inputs: [{ content: 'x', path: '/mnt/task/command' }] }), '/r'))).toMatchObject({ path: 'inputs.0.path' });
    expect(planTaskLayout(task({ inputs: [{ content: 'x', path: '/mnt/task/inputs/x' }] }), '/r').mounts).toEqual([
      { guestPath: '/mnt/task/inputs/x', hostPath: '/r/mnt/task/inputs/x', type: 'file', writable: false },
    ]);
  });

  it('refuses a shared folder at the container root and a file input a folder is made under', () => {
    expect(refusal(() => planTaskLayout(task({ outputs: [{ url: 'file:///o', path: '/result.txt' }] }), '/r'))).toMatchObject({ path: 'outputs.0.path' });
    expect(
      refusal(() =>
        planTaskLayout(task({ inputs: [{ content: 'x', path: '/data' }], outputs: [{ url: 'file:///o', path: '/data/out/r.txt' }] }), '/r'),
      ),
    ).toMatchObject({ path: 'inputs.0.path' });
  });
});

describe('executorScript', () => {
  it('keeps each argv element one word, and redirects and changes folder as the executor says', () => {
    expect(executorScript({ command: ['printf', '%s\n', "it's $HOME", ''], workdir: '/work dir', stdin: '/in/x', stdout: '/o/out', stderr: '/o/err' })).toBe(
      `mkdir -p -- '/work dir' && cd -- '/work dir' || exit 125\nexec printf '%s\n' 'it'\\''s $HOME' '' < /in/x > /o/out 2> /o/err\n`,
    );
    expect(shellQuote('plain-word_1.txt')).toBe('plain-word_1.txt');
  });
});

describe('executorTask', () => {
  it('runs the executor in its image with sh, the task resources, env and the layout bound', () => {
    const tes = validateCreateTask({
      executors: [{ ...executor, env: { SAMPLE: 'S1' } }],
      resources: { cpu_cores: 2, ram_gb: 1.5 },
      volumes: ['/shared'],
    });
    const built = executorTask('T1', tes, 0, planTaskLayout(tes, '/r'));
    expect(built.name).toBe('tes-T1-e0');
    expect(built.requirements).toMatchObject({ cpu: 2, memory: 1_500_000_000 });
    expect(built.hints.other).toEqual({ shell: 'sh' });
    expect(built.env).toEqual({ SAMPLE: 'S1' });
    expect(built.inputs).toEqual([{ source: '/r/shared', path: '/shared', type: 'directory', writable: true }]);
  });

  it('reads the executor index back from the task name only for its own task', () => {
    expect(executorIndexOf('T1', executorTaskName('T1', 3))).toBe(3);
    expect(executorIndexOf('T1', executorTaskName('T10', 3))).toBeUndefined();
  });
});
