import { TES_STATES } from '@capstan/tes-model';
import { histogramOf } from '../service/histogram';
import { renderCounter, renderHistogram } from './prometheus-text';
import { CPU_SECONDS_BUCKETS, PEAK_MEMORY_BUCKETS, QUEUE_WAIT_BUCKETS, RUN_DURATION_BUCKETS } from '../service/histogram';
import { type RunningTesServer, startTesServer } from './testing/running-tes-server';

interface ParsedSample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/y;

function parseValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(text)) throw new Error(`not a sample value: ${text}`);
  return Number(text);
}

function parseLabels(text: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  if (text === undefined) return labels;
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const match = LABEL.exec(text);
    if (match === null) throw new Error(`bad labels: ${text}`);
    labels[match[1] ?? ''] = (match[2] ?? '').replace(/\\(["\\n])/g, (_escape, char: string) => (char === 'n' ? '\n' : char));
  }
  return labels;
}

/**
 * A strict reader of the text exposition format 0.0.4, enough to check what /metrics writes: every sample belongs to a
 * family declared by `# TYPE` before it, with a `# HELP`; names and labels are well formed; the text ends in a newline.
 */
function parsePrometheusText(text: string): { types: Map<string, string>; samples: ParsedSample[] } {
  expect(text.endsWith('\n')).toBe(true);
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const samples: ParsedSample[] = [];
  for (const line of text.slice(0, -1).split('\n')) {
    const comment = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (comment !== null) {
      const [, kind, name = '', rest = ''] = comment;
      expect(name).toMatch(METRIC_NAME);
      if (kind === 'TYPE') {
        expect(['counter', 'gauge', 'histogram']).toContain(rest);
        expect(types.has(name)).toBe(false);
        types.set(name, rest);
      } else {
        helps.add(name);
      }
      continue;
    }
    const sample = SAMPLE.exec(line);
    if (sample === null) throw new Error(`not a sample line: ${JSON.stringify(line)}`);
    const name = sample[1] ?? '';
    const family = types.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '');
    expect(types.has(family)).toBe(true);
    expect(helps.has(family)).toBe(true);
    samples.push({ name, labels: parseLabels(sample[2]), value: parseValue(sample[3] ?? '') });
  }
  return { types, samples };
}

function histogram(samples: readonly ParsedSample[], name: string): { buckets: Array<[number, number]>; sum: number; count: number } {
  const buckets = samples.filter((s) => s.name === `${name}_bucket`).map((s): [number, number] => [parseValue(s.labels['le'] ?? ''), s.value]);
  const one = (suffix: string) => samples.find((s) => s.name === `${name}_${suffix}`)?.value ?? NaN;
  return { buckets, sum: one('sum'), count: one('count') };
}

describe('GET /metrics', () => {
  let server: RunningTesServer;

  beforeEach(async () => {
    server = await startTesServer();
  });

  afterEach(async () => {
    await server.close();
  });

  it('reports tasks by state, the four histograms, event streams and HTTP requests by route and status, in the Prometheus text format', async () => {
    const post = () => server.call('/ga4gh/tes/v1/tasks', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ executors: [{ image: 'x', command: ['true'] }] }) });
    const { id } = (await (await post()).json()) as { id: string };
    await post();
    server.service.find(id).state = 'RUNNING';
    server.service.queueWaitSeconds = [0.05, 3, 7200];
    server.service.runSeconds = [42];
    server.service.peakMemoryBytes = [200 * 1024 * 1024, 3 * 1024 ** 3];
    server.service.cpuSeconds = [0.05, 12.5];
    await server.call(`/ga4gh/tes/v1/tasks/${id}`);
    await server.call('/ga4gh/tes/v1/tasks/01JNOSUCHTASK0000000000000');
    await server.call('/ga4gh/tes/v1/tasks/01JNOSUCHTASK0000000000001');
    await server.log.waitFor((line) => line['status'] === 404 && line['requestId'] === 'req-5');

    const answer = await server.call('/metrics');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const { types, samples } = parsePrometheusText(await answer.text());

    expect(Object.fromEntries(types)).toEqual({
      capstan_tes_tasks: 'gauge',
      capstan_tes_task_queue_wait_seconds: 'histogram',
      capstan_tes_task_run_seconds: 'histogram',
      capstan_tes_task_peak_memory_bytes: 'histogram',
      capstan_tes_task_cpu_seconds: 'histogram',
      capstan_tes_event_streams: 'gauge',
      capstan_tes_event_streams_dropped_total: 'counter',
      capstan_tes_http_requests_total: 'counter',
    });
    expect(samples.filter((s) => s.name.startsWith('capstan_tes_event_streams')).map((s) => s.value)).toEqual([0, 0]);
    const byState = Object.fromEntries(samples.filter((s) => s.name === 'capstan_tes_tasks').map((s) => [s.labels['state'], s.value]));
    expect(byState).toEqual({ ...Object.fromEntries(TES_STATES.map((state) => [state, 0])), QUEUED: 1, RUNNING: 1 });

    const wait = histogram(samples, 'capstan_tes_task_queue_wait_seconds');
    expect(wait.buckets.map(([le]) => le)).toEqual([...QUEUE_WAIT_BUCKETS, Infinity]);
    expect(wait.buckets.find(([le]) => le === 0.1)?.[1]).toBe(1);
    expect(wait.buckets.find(([le]) => le === 5)?.[1]).toBe(2);
    expect(wait.buckets.find(([le]) => le === 3600)?.[1]).toBe(2);
    expect(wait.buckets.at(-1)?.[1]).toBe(3);
    expect(wait).toMatchObject({ sum: 7203.05, count: 3 });
    const run = histogram(samples, 'capstan_tes_task_run_seconds');
    expect(run.buckets.map(([le]) => le)).toEqual([...RUN_DURATION_BUCKETS, Infinity]);
    expect(run).toMatchObject({ sum: 42, count: 1 });
    const memory = histogram(samples, 'capstan_tes_task_peak_memory_bytes');
    expect(memory.buckets.map(([le]) => le)).toEqual([...PEAK_MEMORY_BUCKETS, Infinity]);
    expect(memory.buckets.find(([le]) => le === 256 * 1024 * 1024)?.[1]).toBe(1);
    expect(memory.buckets.find(([le]) => le === 4 * 1024 ** 3)?.[1]).toBe(2);
    expect(memory).toMatchObject({ sum: 200 * 1024 * 1024 + 3 * 1024 ** 3, count: 2 });
    const cpu = histogram(samples, 'capstan_tes_task_cpu_seconds');
    expect(cpu.buckets.map(([le]) => le)).toEqual([...CPU_SECONDS_BUCKETS, Infinity]);
    expect(cpu.buckets.find(([le]) => le === 0.1)?.[1]).toBe(1);
    expect(cpu.buckets.find(([le]) => le === 10)?.[1]).toBe(1);
    expect(cpu.buckets.find(([le]) => le === 60)?.[1]).toBe(2);
    expect(cpu).toMatchObject({ sum: 12.55, count: 2 });
    for (const { buckets } of [wait, run, memory, cpu]) {
      for (let i = 1; i < buckets.length; i += 1) expect(buckets[i]?.[1]).toBeGreaterThanOrEqual(buckets[i - 1]?.[1] ?? 0);
    }

    const requests = samples.filter((s) => s.name === 'capstan_tes_http_requests_total').map((s) => ({ ...s.labels, value: s.value }));
    expect(requests).toEqual(
      expect.arrayContaining([
        { method: 'POST', route: '/ga4gh/tes/v1/tasks', status: '200', value: 2 },
        { method: 'GET', route: '/ga4gh/tes/v1/tasks/{id}', status: '200', value: 1 },
        { method: 'GET', route: '/ga4gh/tes/v1/tasks/{id}', status: '404', value: 2 },
      ]),
    );
    expect(requests).toHaveLength(3);
  });
});

describe('GET /metrics, the capacity the dashboard shows', () => {
  it('names the backend and the running-task limit when the service reports them, escaping a hostile backend name', async () => {
    const server = await startTesServer();
    try {
      const before = parsePrometheusText(await (await server.call('/metrics')).text());
      expect(before.types.has('capstan_tes_backend_info')).toBe(false);
      server.service.capacity = { backend: 'my"backend\n} 9', maxRunningTasks: 3 };
      const { types, samples } = parsePrometheusText(await (await server.call('/metrics')).text());
      expect(types.get('capstan_tes_backend_info')).toBe('gauge');
      expect(samples.filter((sample) => sample.name === 'capstan_tes_backend_info')).toEqual([{ name: 'capstan_tes_backend_info', labels: { backend: 'my"backend\n} 9' }, value: 1 }]);
      expect(samples.filter((sample) => sample.name === 'capstan_tes_max_running_tasks')).toEqual([{ name: 'capstan_tes_max_running_tasks', labels: {}, value: 3 }]);
    } finally {
      await server.close();
    }
  });
});

describe('renderHistogram', () => {
  it('counts an observation equal to a bound in that bucket, and cumulates', () => {
    expect(renderHistogram('h', 'help "quoted"\nline', histogramOf([1, 2], [1, 1.5, 3, 0]))).toEqual([
      '# HELP h help "quoted"\\nline',
      '# TYPE h histogram',
      'h_bucket{le="1"} 2',
      'h_bucket{le="2"} 3',
      'h_bucket{le="+Inf"} 4',
      'h_sum 5.5',
      'h_count 4',
    ]);
  });
});

describe('renderCounter', () => {
  it('escapes backslashes, quotes and newlines in label values', () => {
    expect(renderCounter('c_total', 'h', [{ labels: { route: 'a"b\\c\nd' }, value: 3 }])).toEqual(['# HELP c_total h', '# TYPE c_total counter', 'c_total{route="a\\"b\\\\c\\nd"} 3']);
    expect(parseLabels('route="a\\"b\\\\c\\nd"')).toEqual({ route: 'a"b\\c\nd' });
  });
});
