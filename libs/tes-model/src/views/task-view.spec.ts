import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import fc from 'fast-check';
import { createStoredTask, type StoredTesTask } from '../create/stored-task';
import { validateCreateTask } from '../create/validate-create-task';
import { tesTaskInViewSchema } from '../model/tes-task';
import { basicFields, parseView, redactTaskUrls, type TesView, taskView } from './task-view';

function storedTask(): StoredTesTask {
  const task = validateCreateTask({
    name: 'md5',
    description: 'checksum',
    inputs: [
      { path: '/data/config', content: 'threads=4' },
      { url: 's3://bucket/file1', path: '/data/file1' },
    ],
    outputs: [{ url: 's3://bucket/sum', path: '/data/sum' }],
    resources: { cpu_cores: 1 },
    executors: [{ image: 'alpine:3', command: ['md5sum', '/data/file1'], stdout: '/data/sum' }],
    volumes: ['/vol/A'],
    tags: { project: 'x' },
  });
  return {
    ...createStoredTask(task, { id: 'task-1', now: new Date('2020-10-02T15:00:00Z') }),
    state: 'COMPLETE',
    logs: [
      {
        logs: [{ start_time: '2020-10-02T15:00:01Z', end_time: '2020-10-02T15:00:02Z', stdout: 'abc  /data/file1\n', stderr: 'warning\n', exit_code: 0 }],
        metadata: { host: 'worker-001' },
        start_time: '2020-10-02T15:00:00Z',
        end_time: '2020-10-02T15:00:03Z',
        outputs: [{ url: 's3://bucket/sum', path: '/data/sum', size_bytes: '17' }],
        system_logs: ['pulled alpine:3'],
      },
    ],
  };
}

describe('taskView', () => {
  it('MINIMAL holds only id and state', () => {
    expect(taskView(storedTask(), 'MINIMAL')).toEqual({ id: 'task-1', state: 'COMPLETE' });
  });

  it('FULL holds everything', () => {
    const task = storedTask();
    expect(taskView(task, 'FULL')).toEqual(task);
  });

  it('BASIC holds everything except executor stdout/stderr, input content and system_logs', () => {
    const task = storedTask();
    const view = taskView(task, 'BASIC');
    expect(view).toEqual({
      ...task,
      inputs: [
        { path: '/data/config', type: 'FILE' },
        { url: 's3://bucket/file1', path: '/data/file1', type: 'FILE' },
      ],
      logs: [
        {
          logs: [{ start_time: '2020-10-02T15:00:01Z', end_time: '2020-10-02T15:00:02Z', exit_code: 0 }],
          metadata: { host: 'worker-001' },
          start_time: '2020-10-02T15:00:00Z',
          end_time: '2020-10-02T15:00:03Z',
          outputs: [{ url: 's3://bucket/sum', path: '/data/sum', size_bytes: '17' }],
        },
      ],
    });
    expect(view.inputs?.[0]).not.toHaveProperty('content');
    expect(view.logs?.[0]).not.toHaveProperty('system_logs');
    expect(view.logs?.[0]?.logs[0]).not.toHaveProperty('stdout');
    expect(view.logs?.[0]?.logs[0]).not.toHaveProperty('stderr');
  });

  it.each<TesView>(['BASIC', 'FULL'])('%s always has logs, and logs and outputs in each task log', (view) => {
    const fresh = createStoredTask(validateCreateTask({ executors: [{ image: 'a', command: ['b'] }] }), { id: 't' });
    expect(taskView(fresh, view).logs).toEqual([]);
    const started: StoredTesTask = { ...fresh, state: 'RUNNING', logs: [{ logs: [], outputs: [] }] };
    expect(JSON.parse(JSON.stringify(taskView(started, view)))).toMatchObject({ logs: [{ logs: [], outputs: [] }] });
  });

  it.each<TesView>(['MINIMAL', 'BASIC', 'FULL'])('%s is a copy and a valid tesTask in a view', (view) => {
    const task = storedTask();
    const before = structuredClone(task);
    const shown = taskView(task, view);
    if (shown.tags !== undefined) shown.tags['changed'] = 'yes';
    const firstInput = shown.inputs?.[0];
    if (firstInput !== undefined) firstInput.path = '/elsewhere';
    expect(task).toEqual(before);
    expect(tesTaskInViewSchema.parse(JSON.parse(JSON.stringify(shown)))).toEqual(JSON.parse(JSON.stringify(shown)));
  });

  it('BASIC never shows content, stdout, stderr or system_logs, whatever the task holds', () => {
    const text = fc.option(fc.string(), { nil: undefined });
    fc.assert(
      fc.property(fc.array(text, { maxLength: 3 }), fc.array(fc.record({ stdout: text, stderr: text, system: fc.option(fc.array(fc.string()), { nil: undefined }) }), { maxLength: 3 }), (contents, attempts) => {
        const task: StoredTesTask = {
          ...storedTask(),
          inputs: contents.map((content, index) => ({ path: `/in/${index}`, type: 'FILE', url: 's3://b/x', content })),
          logs: attempts.map(({ stdout, stderr, system }) => ({ logs: [{ exit_code: 1, stdout, stderr }], outputs: [], system_logs: system })),
        };
        const view = JSON.parse(JSON.stringify(taskView(task, 'BASIC'))) as StoredTesTask;
        expect(view.inputs).toHaveLength(contents.length);
        for (const input of view.inputs) expect(input).not.toHaveProperty('content');
        expect(view.logs).toHaveLength(attempts.length);
        for (const log of view.logs) {
          expect(log).not.toHaveProperty('system_logs');
          expect(log.outputs).toEqual([]);
          for (const executorLog of log.logs) expect(Object.keys(executorLog)).toEqual(['exit_code']);
        }
      }),
    );
  });

  it('BASIC and FULL hide the credentials of input, output and output-log URLs; the stored task keeps them', () => {
    const signed = 'https://bucket.s3.amazonaws.com/in?X-Amz-Credential=AKIA123&X-Amz-Signature=5EC12E7&X-Amz-Security-Token=T0K&v=2';
    const task = storedTask();
    const inputs = [{ url: 'https://reader:pa55w0rd@data.example/in', path: '/data/in', type: 'FILE' as const }, { url: signed, path: '/data/signed', type: 'FILE' as const }];
    const outputs = [{ url: 'https://up.example/out?sig=S1G&access_token=AT0K&name=sum', path: '/data/sum', type: 'FILE' as const }];
    const log = { ...(task.logs[0] as StoredTesTask['logs'][number]), outputs: [{ url: 'https://up.example/out?sig=S1G', path: '/data/sum', size_bytes: '17' }] };
    const secretive: StoredTesTask = { ...task, inputs, outputs, logs: [log] };
    for (const view of ['BASIC', 'FULL'] as const) {
      const shown = taskView(secretive, view);
      expect(JSON.stringify(shown)).not.toMatch(/pa55w0rd|reader|AKIA123|5EC12E7|T0K|S1G|AT0K/);
      expect(shown.inputs?.map((input) => input.url)).toEqual([
        'https://***@data.example/in',
        'https://bucket.s3.amazonaws.com/in?X-Amz-Credential=***&X-Amz-Signature=***&X-Amz-Security-Token=***&v=2',
      ]);
      expect(shown.outputs?.[0]?.url).toBe('https://up.example/out?sig=***&access_token=***&name=sum');
      expect(shown.logs?.[0]?.outputs[0]?.url).toBe('https://up.example/out?sig=***');
    }
    expect(secretive.inputs[0]?.url).toBe('https://reader:pa55w0rd@data.example/in');
    expect(taskView(storedTask(), 'FULL').inputs?.[1]?.url).toBe('s3://bucket/file1'); // a URL without secrets is shown as written
  });

  it('basicFields drops what BASIC leaves out, keeps the key order, and redacting it leaves the task as stored (hostile: credentials)', () => {
    const task = storedTask();
    const log = { ...(task.logs[0] as StoredTesTask['logs'][number]), outputs: [{ url: 'https://u:pw@up.example/out', path: '/data/sum', size_bytes: '17' }] };
    const secretive: StoredTesTask = { ...task, inputs: [{ url: 'https://u:pw@data.example/in', path: '/data/in', type: 'FILE' }], outputs: [{ url: 'https://up.example/o?sig=S', path: '/o', type: 'FILE' }], logs: [log] };
    const before = structuredClone(secretive);
    const basic = basicFields(secretive);
    expect(JSON.stringify(basic)).toBe(JSON.stringify(taskView(before, 'BASIC')).replace('https://***@data.example/in', 'https://u:pw@data.example/in').replace('sig=***', 'sig=S').replace('https://***@up.example/out', 'https://u:pw@up.example/out'));
    redactTaskUrls(basic);
    expect(secretive).toEqual(before);
    expect(Object.keys(basic)).toEqual(Object.keys(secretive));
  });

  it('refuses a view that is not one', () => {
    expect(() => taskView(storedTask(), 'PARTIAL' as TesView)).toThrow(CapstanError);
  });
});

describe('parseView', () => {
  it.each<[unknown, TesView]>([
    [undefined, 'MINIMAL'],
    [null, 'MINIMAL'],
    ['', 'MINIMAL'],
    [[], 'MINIMAL'],
    ['MINIMAL', 'MINIMAL'],
    ['BASIC', 'BASIC'],
    ['FULL', 'FULL'],
    [['FULL'], 'FULL'],
  ])('reads %j as %s', (value, view) => {
    expect(parseView(value)).toBe(view);
  });

  it.each<[unknown, string]>([
    ['basic', 'view is "basic", not one of "MINIMAL", "BASIC" or "FULL"; views are upper case: BASIC'],
    ['PARTIAL', 'view is "PARTIAL", not one of "MINIMAL", "BASIC" or "FULL" (the default is MINIMAL)'],
    [3, 'view is 3, not one of "MINIMAL", "BASIC" or "FULL" (the default is MINIMAL)'],
    [['BASIC', 'FULL'], 'view is given 2 times ("BASIC", "FULL"); give it once'],
  ])('refuses %j', (value, message) => {
    expect(() => parseView(value)).toThrow(expect.objectContaining({ code: ErrorCode.TesInvalidQuery, path: 'view', message }));
  });
});
