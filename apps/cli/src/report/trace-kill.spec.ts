import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildCli, capstan, startCapstan, taskFolder, until } from '../testing/cli-harness';
import { probeReport } from '../testing/report-page';
import { parseTrace, TRACE_FILE } from './trace-format';

describe('trace.tsv of a run killed with -9 (the built CLI on the local backend)', () => {
  jest.setTimeout(120_000);
  beforeAll(buildCli, 60_000);
  const { dir } = taskFolder('report-kill-');

  it('keeps the row of the attempt that ended, writes no report, and capstan report then builds one from what is there', async () => {
    const workRoot = join(dir(), 'runs');
    const env = { ...process.env, XDG_RUNTIME_DIR: join(dir(), 'xdg') };
    // Attempt 1 fails at once; attempt 2 is still running when the run is killed (its sleep ends by itself).
    const run = startCapstan(['run', '--backend', 'local', '--work-root', workRoot, '--name', 'killed', '--retries', '1', '--', 'sh', '-c', '[ "$CAPSTAN_ATTEMPT" -ge 2 ] || { echo attempt one failed >&2; exit 4; }; sleep 8'], { env });
    const trace = join(workRoot, 'latest', TRACE_FILE);
    await until(async () => parseTrace(await readFile(trace, 'utf8').catch(() => '')).length === 1, 60_000, 'the first attempt\'s row');
    run.child.kill('SIGKILL');
    expect((await run.exited).signal).toBe('SIGKILL');

    const rows = parseTrace(await readFile(trace, 'utf8'));
    expect(rows).toEqual([expect.objectContaining({ task: 'killed', attempt: '1', backend: 'local', exit_code: '4', end_reason: 'exited' })]);
    expect(await readdir(join(workRoot, 'latest'))).not.toContain('report.html');

    const rebuilt = await capstan(['report', 'latest', '--work-root', workRoot], { env });
    expect(rebuilt.code).toBe(0);
    const page = await probeReport(rebuilt.stdout.trim(), 'killed-run');
    expect(page.rows.map((row) => row.cells.slice(0, 2))).toEqual([['killed', '1']]);
    expect(page.summary).toMatchObject({ ended: '-', duration: 'unfinished', attempts: '1' });
    expect(page.failures).toEqual([[rows[0]?.unique_name, 'attempt one failed\n']]);
    expect(page.external).toEqual([]);
  });
});
