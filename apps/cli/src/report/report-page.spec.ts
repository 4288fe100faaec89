import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildCli, capstan, taskFolder } from '../testing/cli-harness';
import { probeReport } from '../testing/report-page';
import { parseTrace, TRACE_HEADER, type TraceRow } from './trace-format';

const IMAGE = 'capstan-test/busybox:1';
const HOSTILE = 'evil</script><img src=x onerror=alert(1)>\tforged\nrow';
const HOSTILE_STDERR = '</pre></script><script>alert(2)</script><img src=y onerror=alert(3)>';

/** What the attempts table shows of a trace row: the page's numbers must be the trace's. */
function expectedCells(row: TraceRow): string[] {
  const mib = (value: string): string => (value === '' ? '' : `${(Number(value) / 1048576).toFixed(1)} MiB`);
  return [row.task, row.attempt, row.backend, row.image, row.exit_code, row.end_reason, mib(row.peak_memory_bytes), mib(row.memory_request_bytes), row.cpu_request, row.cpu_percent];
}

describe('report.html in headless chromium (the built CLI on the real Docker daemon)', () => {
  jest.setTimeout(180_000);
  beforeAll(buildCli, 60_000);
  const { dir, taskFile } = taskFolder('report-page-');

  it('shows a success, a failure, an oom and a retry as trace.tsv has them, requests nothing, and runs nothing a task wrote', async () => {
    const shell = { hints: { shell: 'sh' } };
    const files = [
      await taskFile('ok', { command: 'dd if=/dev/zero bs=64M count=1 2>/dev/null | sleep 2', requirements: { container: IMAGE, memory: '512 MiB' }, ...shell }),
      await taskFile('oom', { command: 'x=a; while true; do x="$x$x"; done', requirements: { container: IMAGE, memory: '32 MiB' }, ...shell }),
      await taskFile('retry', { command: '[ "$CAPSTAN_ATTEMPT" -ge 2 ] || { echo first-try-fails >&2; exit 1; }', requirements: { container: IMAGE, max_retries: 1 }, ...shell }),
    ];
    const hostileFile = join(dir(), 'hostile.json');
    await writeFile(hostileFile, JSON.stringify({ name: HOSTILE, command: `printf '%s\\n' '${HOSTILE_STDERR}' >&2; exit 2`, requirements: { container: IMAGE }, ...shell }));
    const workRoot = join(dir(), 'runs');
    const run = await capstan(['run', ...files, hostileFile, '--backend', 'docker', '--work-root', workRoot, '--usage-interval', '0.5']);
    expect(run.code).not.toBe(0);

    const traceText = await readFile(join(workRoot, 'latest', 'trace.tsv'), 'utf8');
    expect(traceText.startsWith(TRACE_HEADER)).toBe(true);
    const rows = parseTrace(traceText);
    // Header and five rows: the hostile name's tab and newline did not make more.
    expect(traceText.split('\n')).toHaveLength(7);
    const byTask = (task: string): TraceRow[] => rows.filter((row) => row.task === task);
    expect(byTask('ok')).toEqual([expect.objectContaining({ attempt: '1', backend: 'docker', image: IMAGE, exit_code: '0', end_reason: 'exited', memory_request_bytes: String(512 * 1048576) })]);
    expect(Number(byTask('ok')[0]?.peak_memory_bytes)).toBeGreaterThanOrEqual(64 * 1048576);
    expect(Number(byTask('ok')[0]?.wall_ms)).toBeGreaterThanOrEqual(1900);
    expect(byTask('oom')).toEqual([expect.objectContaining({ end_reason: 'oom', exit_code: '137', memory_request_bytes: String(32 * 1048576) })]);
    expect(byTask('retry').map((row) => [row.attempt, row.exit_code])).toEqual([['1', '1'], ['2', '0']]);
    expect(byTask('retry')[1]?.submit).toBe(byTask('retry')[0]?.end);
    expect(byTask(HOSTILE)).toEqual([expect.objectContaining({ exit_code: '2', end_reason: 'exited' })]);

    const report = join(workRoot, 'latest', 'report.html');
    const html = await readFile(report, 'utf8');
    expect(html).not.toContain('<img src=');
    expect(html).not.toMatch(/<script>alert/);
    const page = await probeReport(report, 'four-tasks-docker');
    expect(page.rows.map((row) => row.task)).toEqual(rows.map((row) => row.unique_name));
    expect(page.lanes).toEqual(rows.map((row) => row.unique_name));
    // task, attempt, backend, image, exit, end reason, peak memory, memory asked, CPU asked, CPU %
    expect(page.rows.map(({ cells: td }) => [td[0], td[1], td[2], td[3], td[4], td[5], td[11], td[12], td[10], td[9]])).toEqual(rows.map(expectedCells));
    // The failure, the oom and the retry's first attempt, each with its stderr tail shown as text.
    expect(page.failures).toHaveLength(3);
    expect(page.failures).toContainEqual([byTask(HOSTILE)[0]?.unique_name, `${HOSTILE_STDERR}\n`]);
    expect(page.failures).toContainEqual([byTask('retry')[0]?.unique_name, 'first-try-fails\n']);
    expect(page.summary['states']?.split(', ').sort()).toEqual(['2 failed', '2 succeeded']);
    expect(page.summary['attempts']).toBe('5');
    expect(page.canvases).toBe(2);
    // Nothing a task wrote ran or became markup: no dialog, no element of its making, no request, no error.
    expect(page.dialogs).toEqual([]);
    expect(page.images).toBe(0);
    expect(page.scriptTypes).toEqual(['application/json', '']);
    expect(page.bodyText).toContain('evil</script><img src=x onerror=alert(1)>');
    expect(page.external).toEqual([]);
    expect(page.errors).toEqual([]);
  });
});
