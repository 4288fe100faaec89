import { createStoredTask, type StoredTesTask, type TesState, type TesTaskLog, validateCreateTask } from '@capstan/tes-model';

export interface TaskFixture {
  readonly id: string;
  readonly name?: string;
  readonly tags?: Record<string, string>;
  readonly state?: TesState;
  /** An inline input's content (dropped by BASIC). */
  readonly content?: string;
  /** A task log with executor stdout/stderr and system logs (dropped by BASIC), as a task that ran has. */
  readonly ran?: boolean;
}

/** A valid stored task, as the server would store it (validated, then createStoredTask), with the given fields. */
export function storedTask(fixture: TaskFixture): StoredTesTask {
  const validated = validateCreateTask({
    ...(fixture.name === undefined ? {} : { name: fixture.name }),
    description: 'a test task',
    inputs: [
      { url: 's3://bucket/reads.fastq', path: '/data/reads.fastq' },
      ...(fixture.content === undefined ? [] : [{ content: fixture.content, path: '/scripts/run.sh' }]),
    ],
    outputs: [{ url: 's3://bucket/out.bam', path: '/out/out.bam' }],
    executors: [
      { image: 'alpine:3', command: ['sh', '/scripts/run.sh'], env: { THREADS: '2' } },
      { image: 'alpine:3', command: ['true'] },
    ],
    tags: fixture.tags ?? {},
  });
  const task = createStoredTask(validated, { id: fixture.id, now: new Date(Date.UTC(2025, 0, 2, 3, 4, 5)) });
  return { ...task, state: fixture.state ?? 'QUEUED', logs: fixture.ran === true ? [ranLog()] : [] };
}

export function ranLog(): TesTaskLog {
  return {
    logs: [
      { start_time: '2025-01-02T03:05:00.000Z', end_time: '2025-01-02T03:06:00.000Z', stdout: 'aligned 100 reads\n', stderr: 'warning: low quality\n', exit_code: 0 },
      { start_time: '2025-01-02T03:06:00.000Z', end_time: '2025-01-02T03:06:01.000Z', stdout: '', exit_code: 0 },
    ],
    metadata: { node: 'worker-3' },
    start_time: '2025-01-02T03:05:00.000Z',
    end_time: '2025-01-02T03:06:01.000Z',
    outputs: [{ url: 's3://bucket/out.bam', path: '/out/out.bam', size_bytes: '1234' }],
    system_logs: ['scheduled on worker-3'],
  };
}
