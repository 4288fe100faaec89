import { type RunningApi, until } from './api-harness';

export const BUSYBOX = 'capstan-test/busybox:1';

export interface EndedTask {
  readonly state: string;
  readonly logs?: Array<{ outputs: unknown[]; system_logs?: string[] }>;
}

/** Polls a task until it ends (COMPLETE, EXECUTOR_ERROR, SYSTEM_ERROR or CANCELED). */
export function ended(api: RunningApi, id: string, timeoutMs = 120_000): Promise<EndedTask> {
  return until(async () => {
    const view = (await api.call(`/tasks/${id}?view=FULL`)).body as EndedTask;
    return ['COMPLETE', 'EXECUTOR_ERROR', 'SYSTEM_ERROR', 'CANCELED'].includes(view.state) ? view : undefined;
  }, timeoutMs, `task ${id} to end`);
}

/**
 * Runs the round trip every object store's TES test runs on Docker: `url('in/reads.txt')` and the prefix `url('refs')`
 * in (with `refs/a.fa` and `refs/b/b.fa` below it), a file, a folder and a wildcard out under `url('out/...')`, plus
 * `extraOutputs`. The caller has put the three inputs in the store.
 */
export async function roundTrip(api: RunningApi, url: (name: string) => string, extraOutputs: readonly object[] = []): Promise<EndedTask> {
  const created = await api.call('/tasks', {
    body: {
      name: 'object store round trip',
      inputs: [
        { url: url('in/reads.txt'), path: '/data/reads.txt' },
        { url: url('refs'), path: '/refs', type: 'DIRECTORY' },
      ],
      outputs: [
        { url: url('out/upper.txt'), path: '/work/upper.txt' },
        { url: url('out/listing'), path: '/work/listing', type: 'DIRECTORY' },
        { url: url('out/glob'), path: '/work/*.txt', path_prefix: '/work/' },
        ...extraOutputs,
      ],
      executors: [
        {
          image: BUSYBOX,
          command: ['sh', '-c', 'tr a-z A-Z < /data/reads.txt > /work/upper.txt && mkdir -p /work/listing && cat /refs/a.fa /refs/b/b.fa > /work/listing/refs.txt'],
        },
      ],
      volumes: ['/work'],
    },
  });
  expect(created.status).toBe(200);
  return ended(api, (created.body as { id: string }).id);
}

/** The output log the round trip's three outputs leave: each file with its size. */
export function roundTripOutputs(url: (name: string) => string): object[] {
  return [
    { url: url('out/upper.txt'), path: '/work/upper.txt', size_bytes: '10' },
    { url: url('out/listing/refs.txt'), path: '/work/listing/refs.txt', size_bytes: '7' },
    { url: url('out/glob/upper.txt'), path: '/work/upper.txt', size_bytes: '10' },
  ];
}

/** A task whose only input is `url`, which names no object: its end state and system logs. */
export async function missingInputTask(api: RunningApi, url: string): Promise<{ state: string; systemLogs: string }> {
  const created = await api.call('/tasks', { body: { inputs: [{ url, path: '/in/x' }], executors: [{ image: BUSYBOX, command: ['cat', '/in/x'] }] } });
  const task = await ended(api, (created.body as { id: string }).id, 60_000);
  return { state: task.state, systemLogs: task.logs?.at(-1)?.system_logs?.join('\n') ?? '' };
}
