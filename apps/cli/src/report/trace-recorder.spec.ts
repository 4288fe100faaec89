import { type EngineEvent } from '@capstan/engine';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTrace, TRACE_FILE, TRACE_HEADER } from './trace-format';
import { TraceRows, TraceWriter } from './trace-recorder';

const at = (seconds: number): string => new Date(Date.UTC(2026, 11, 7, 3, 0, seconds)).toISOString();
const context = (seconds: number) => ({ runId: 'r', taskName: 'align', uniqueName: 'align-1', time: at(seconds) });
const constraints = { containers: [{ kind: 'docker', reference: 'reg.example/bwa@sha256:' + 'a'.repeat(64), uri: 'x' }], cpu: 2, memory: 1 } as never;

describe('trace rows from engine events', () => {
  it('makes one row per ended attempt with its times, queue wait, pull time, request and usage; a retry queues from the last end', () => {
    const rows = new TraceRows();
    const events: EngineEvent[] = [
      { ...context(0), type: 'resolved', backend: 'docker', constraints, warnings: [] },
      { ...context(2), type: 'attempt-started', attempt: 1, attemptName: 'align-1', folder: '/x' },
      { ...context(5), type: 'backend', attempt: 1, event: { type: 'pulled', image: 'reg.example/bwa@sha256:' + 'a'.repeat(64), ms: 2500 } },
      { ...context(6), type: 'backend', attempt: 1, event: { type: 'started', id: 'c1' } },
      { ...context(16), type: 'attempt-ended', attempt: 1, exitCode: null, endReason: 'oom', success: false, willRetry: true, cpu: 2, memory: 1024, usage: { samples: 3, peakMemoryBytes: 1023.6, cpuPercentMean: 99.94, readBytes: 0, writtenBytes: 7 } },
      { ...context(17), type: 'attempt-started', attempt: 2, attemptName: 'align-1-2', folder: '/y' },
      { ...context(20), type: 'attempt-ended', attempt: 2, exitCode: 0, endReason: 'exited', success: true, willRetry: false, cpu: 2, memory: 2048 },
    ];
    const made = events.map((event) => rows.observe(event)).filter((row) => row !== undefined);
    expect(made).toEqual([
      expect.objectContaining({ task: 'align', attempt: '1', backend: 'docker', digest: `sha256:${'a'.repeat(64)}`, exit_code: '', end_reason: 'oom', submit: at(0), start: at(6), end: at(16), queue_ms: '2000', pull_ms: '2500', wall_ms: '10000', cpu_percent: '99.9', peak_memory_bytes: '1024', read_bytes: '0', written_bytes: '7', cpu_request: '2', memory_request_bytes: '1024' }),
      expect.objectContaining({ attempt: '2', exit_code: '0', submit: at(16), start: at(17), queue_ms: '1000', pull_ms: '', wall_ms: '3000', cpu_percent: '', peak_memory_bytes: '', memory_request_bytes: '2048' }),
    ]);
  });
});

describe('trace.tsv writer', () => {
  let base: string;
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'report-trace-'));
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  const row = (attempt: string) => ({ ...parseTrace(`${TRACE_HEADER}${'\t'.repeat(19)}\n`)[0], task: 't', attempt }) as never;

  it('appends a header once and a row per call; rows written before a -9 stay on disk', async () => {
    const writer = new TraceWriter(base, () => undefined);
    writer.append(row('1'));
    writer.append(row('2'));
    await writer.flushed();
    expect(parseTrace(await readFile(join(base, TRACE_FILE), 'utf8')).map((one) => one.attempt)).toEqual(['1', '2']);
  });

  it('does not follow a trace.tsv swapped for a link, and warns once (the run goes on)', async () => {
    const target = join(base, 'elsewhere');
    await writeFile(target, 'precious\n');
    await symlink(target, join(base, TRACE_FILE));
    const warnings: string[] = [];
    const writer = new TraceWriter(base, (message) => warnings.push(message));
    writer.append(row('1'));
    writer.append(row('2'));
    await writer.flushed();
    expect(await readFile(target, 'utf8')).toBe('precious\n');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(TRACE_FILE);
  });

  it('warns once when the run folder is gone (fault)', async () => {
    const warnings: string[] = [];
    const writer = new TraceWriter(join(base, 'missing'), (message) => warnings.push(message));
    writer.append(row('1'));
    await writer.flushed();
    expect(warnings).toEqual([expect.stringContaining('could not write trace.tsv')]);
  });
});
