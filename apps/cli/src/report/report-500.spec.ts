import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildCli, capstan, folderPerTest } from '../testing/cli-harness';
import { probeReport } from '../testing/report-page';
import { formatRow, TRACE_COLUMNS, TRACE_HEADER, type TraceRow } from './trace-format';

const RUN_ID = 'report500abc';
const RUN_FOLDER = `20261207T030000Z-${RUN_ID}`;
const TASKS = 500;

/** A trace of 500 attempts over an hour, one in ten failed, as a run of that size would leave it. */
function generatedRows(): TraceRow[] {
  const start = Date.UTC(2026, 11, 7, 3, 0, 0);
  const iso = (ms: number): string => new Date(start + ms).toISOString();
  return Array.from({ length: TASKS }, (_, index) => {
    const submit = index * 7_000;
    const failed = index % 10 === 9;
    return {
      ...(Object.fromEntries(TRACE_COLUMNS.map((column) => [column, ''])) as TraceRow),
      task: `sample-${index}`,
      unique_name: `sample-${index}-u`,
      attempt: '1',
      backend: 'docker',
      image: 'capstan-test/busybox:1',
      exit_code: failed ? '1' : '0',
      end_reason: 'exited',
      submit: iso(submit),
      start: iso(submit + 2_000),
      end: iso(submit + 2_000 + 60_000 + (index % 7) * 1_000),
      queue_ms: '1500',
      pull_ms: index === 0 ? '400' : '',
      wall_ms: String(60_000 + (index % 7) * 1_000),
      cpu_percent: (50 + (index % 50)).toFixed(1),
      peak_memory_bytes: String((100 + index) * 1048576),
      read_bytes: '4096',
      written_bytes: '8192',
      cpu_request: '1',
      memory_request_bytes: String(1024 * 1048576),
    };
  });
}

describe('capstan report over a run of 500 attempts (the built CLI, headless chromium)', () => {
  jest.setTimeout(120_000);
  beforeAll(buildCli, 60_000);
  const dir = folderPerTest('report-500-');

  it('rebuilds report.html with every task in the table and the timeline, numbers as in trace.tsv, and a failed attempt\'s stderr link not followed', async () => {
    const workRoot = join(dir(), 'runs');
    const run = join(workRoot, RUN_FOLDER);
    await mkdir(run, { recursive: true });
    const rows = generatedRows();
    await writeFile(join(run, 'trace.tsv'), `${TRACE_HEADER}${rows.map(formatRow).join('')}`);
    const tasks = rows.map((row) => ({ name: row.task, uniqueName: row.unique_name, backend: 'docker', state: row.exit_code === '0' ? 'succeeded' : 'failed', attempt: 1, submittedAt: row.submit, attemptStartedAt: row.start, endedAt: row.end, exitCode: Number(row.exit_code), endReason: 'exited' }));
    await writeFile(join(run, 'run.json'), JSON.stringify({ version: 1, runId: RUN_ID, startedAt: rows[0]?.submit, endedAt: rows[TASKS - 1]?.end, host: 'h', pid: 1, processStartedAt: null, taskCount: TASKS, tasks }));
    // The failed attempts' stderr: one plain, one a task swapped for a link to a host file.
    await mkdir(join(run, 'sample-9-u', 'attempts', '1'), { recursive: true });
    await writeFile(join(run, 'sample-9-u', 'attempts', '1', 'stderr'), 'line 1\nsample 9 failed\n');
    await mkdir(join(run, 'sample-19-u', 'attempts', '1'), { recursive: true });
    const secret = join(dir(), 'host-secret');
    await writeFile(secret, 'host secret\n');
    await symlink(secret, join(run, 'sample-19-u', 'attempts', '1', 'stderr'));

    const result = await capstan(['report', RUN_ID.slice(0, 6), '--work-root', workRoot]);
    expect(result).toMatchObject({ code: 0, stdout: `${join(run, 'report.html')}\n` });
    const page = await probeReport(join(run, 'report.html'), 'five-hundred-attempts');
    expect(page.rows.map((row) => row.task)).toEqual(rows.map((row) => row.unique_name));
    expect(page.lanes).toHaveLength(TASKS);
    expect(page.rows.map(({ cells }) => [cells[0], cells[4], cells[9], cells[11]])).toEqual(rows.map((row) => [row.task, row.exit_code, row.cpu_percent, `${(Number(row.peak_memory_bytes) / 1048576).toFixed(1)} MiB`]));
    expect(page.summary).toMatchObject({ tasks: '500', attempts: '500', states: '450 succeeded, 50 failed' });
    expect(page.failures).toHaveLength(50);
    expect(page.failures).toContainEqual(['sample-9-u', 'line 1\nsample 9 failed\n']);
    const swapped = page.failures.find(([task]) => task === 'sample-19-u')?.[1] ?? '';
    expect(swapped).toMatch(/^\(stderr unreadable: /);
    expect(swapped).not.toContain('host secret');
    expect(page.external).toEqual([]);
    expect(page.errors).toEqual([]);
    // Readable at this size: drawn within seconds, a file a browser opens at once.
    expect(page.readyMs).toBeLessThan(10_000);
    expect((await readFile(join(run, 'report.html'))).length).toBeLessThan(1024 * 1024);
  });

  it('refuses an unknown run (exit 66, the nearest ids named) and a missing argument (exit 64)', async () => {
    const workRoot = join(dir(), 'runs');
    await mkdir(join(workRoot, RUN_FOLDER), { recursive: true });
    const unknown = await capstan(['report', 'zzzzzz', '--work-root', workRoot]);
    expect(unknown.code).toBe(66);
    expect(unknown.stderr).toContain(RUN_ID);
    const missing = await capstan(['report', '--work-root', workRoot]);
    expect(missing.code).toBe(64);
    expect(missing.stderr).toContain('capstan report latest');
  });
});
