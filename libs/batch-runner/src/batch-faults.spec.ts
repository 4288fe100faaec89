import { createAttemptFolder } from '@capstan/backend-test-kit';
import { type BackendEvent, CapstanError, ErrorCode, type ExecutionRequest } from '@capstan/core-constraints';
import { testRequest } from '@capstan/support/testing';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchBackend } from './batch-backend';
import { type BatchBackendOptionsInput } from './batch-backend-options';

// A scheduler that misbehaves on purpose: its commands are small real scripts (run as the real ones are, by
// execFile), steered by files in a folder, each logging how it was called. The job script is not run: a test writes
// the status file a job would have written.
const FAKE = `#!/bin/sh
dir=$(dirname "$0")
name=$(basename "$0")
echo "$name $*" >>"$dir/calls"
[ -f "$dir/$name.sleep" ] && sleep "$(cat "$dir/$name.sleep")"
[ -f "$dir/$name.out" ] && cat "$dir/$name.out"
[ -f "$dir/$name.err" ] && cat "$dir/$name.err" >&2
exit "$(cat "$dir/$name.exit" 2>/dev/null || echo 0)"
`;

describe('BatchBackend when the scheduler misbehaves', () => {
  let dir: string;
  let request: ExecutionRequest;
  const events: BackendEvent[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capstan-batch-faults-'));
    for (const name of ['submit', 'status', 'finished', 'cancel']) {
      await writeFile(join(dir, name), FAKE);
      await chmod(join(dir, name), 0o755);
    }
    await writeFile(join(dir, 'submit.out'), '42\n');
    const paths = await createAttemptFolder(join(dir, 'task'), 1, 'true');
    request = testRequest({ paths, attemptName: 'fault-a1' });
    events.length = 0;
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  function backend(options: BatchBackendOptionsInput = {}): BatchBackend {
    return new BatchBackend({
      profile: 'gridengine',
      runtime: 'docker',
      pollIntervalMs: 50,
      statusRetries: 3,
      commandTimeoutMs: 2000,
      jobRecordsDir: join(dir, 'records'),
      ...options,
      commands: {
        submit: [join(dir, 'submit'), '-N', '{job_name}', '{script}'],
        status: [join(dir, 'status')],
        finished: [join(dir, 'finished'), '{job_id}'],
        cancel: [join(dir, 'cancel'), '{job_ids}'],
        ...options.commands,
      },
    });
  }
  const calls = async (): Promise<string[]> => (await readFile(join(dir, 'calls'), 'utf8').catch(() => '')).split('\n').filter((line) => line !== '');
  const execute = (instance: BatchBackend) => instance.execute(request, new AbortController().signal, (event) => events.push(event));
  const writeStatus = async (text: string): Promise<void> => {
    await mkdir(join(request.paths.root, 'batch'), { recursive: true });
    await writeFile(join(request.paths.root, 'batch', 'status'), text);
  };

  it('a status command that keeps failing makes the job lost after the retries, and cancels it: never done', async () => {
    await writeFile(join(dir, 'status.exit'), '1');
    await writeFile(join(dir, 'status.err'), 'error: commlib error: got select error (Connection refused)\n');
    const result = await execute(backend());
    expect(result).toMatchObject({ endReason: 'lost', exitCode: null });
    expect(result.message).toContain('could not be read 3 times in a row');
    expect(result.message).toContain('Connection refused');
    expect((await calls()).filter((line) => line.startsWith('status'))).toHaveLength(3);
    expect(await calls()).toContain('cancel 42');
    expect(events.some((event) => event.type === 'warning' && event.message.includes('1 of 3 tries'))).toBe(true);
  });

  it('a status command that hangs is killed at the command timeout and counts as a failed read', async () => {
    await writeFile(join(dir, 'status.sleep'), '31');
    const started = Date.now();
    const result = await execute(backend({ commandTimeoutMs: 300, statusRetries: 2 }));
    expect(result).toMatchObject({ endReason: 'lost', exitCode: null });
    expect(result.message).toContain('did not answer within 300 ms');
    expect(Date.now() - started).toBeLessThan(10_000);
    // The whole command was killed, its children too: no `sleep 31` of it is left.
    expect(execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' }).split('\n').filter((line) => line.trim() === 'sleep 31')).toEqual([]);
  });

  it('one failed read among good ones is retried: the job goes on to its real end', async () => {
    await writeFile(join(dir, 'status.out'), '     42 0.55500 fault-a1   root         r     12/07/2026 06:36:23 all.q@localhost                    1\n');
    const instance = backend();
    const done = execute(instance);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await writeFile(join(dir, 'status.exit'), '1');
    await new Promise((resolve) => setTimeout(resolve, 80));
    await rm(join(dir, 'status.exit'));
    await writeStatus('exit=0\n');
    await rm(join(dir, 'status.out'));
    expect(await done).toMatchObject({ endReason: 'exited', exitCode: 0 });
  });

  it('a job that ran and ended between two polls, never listed as running, still reports its start once, before its end', async () => {
    await writeStatus('exit=5\n');
    const result = await execute(backend());
    expect(result).toMatchObject({ endReason: 'exited', exitCode: 5 });
    expect(events.filter((event) => event.type === 'started')).toEqual([{ type: 'started', id: '42' }]);
  });

  it('fault: a job that left without a status file reports no start (nothing says its command ran)', async () => {
    await writeFile(join(dir, 'finished.out'), 'failed 0\nexit_status 1\n');
    await execute(backend());
    expect(events.filter((event) => event.type === 'started')).toEqual([]);
  });

  it('ignores junk in the status output and ids the pattern does not take, and reads the job among them', async () => {
    await writeFile(
      join(dir, 'status.out'),
      [
        'job-ID  prior   name       user         state submit/start at     queue                          slots ja-task-ID',
        '-----------------------------------------------------------------------------------------------------------------',
        '\u0000\u001b[31mgarbage ; rm -rf / 42 r',
        '  4x2 0.55500 other      root         Eqw   12/07/2026 06:36:23                                    1',
        '     42 0.55500 fault-a1   root         r     12/07/2026 06:36:23 all.q@localhost                    1',
        '',
      ].join('\n'),
    );
    const done = execute(backend());
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(events.filter((event) => event.type === 'started')).toHaveLength(1);
    await writeStatus('exit=7\n');
    await rm(join(dir, 'status.out'));
    expect(await done).toMatchObject({ endReason: 'exited', exitCode: 7 });
  });

  it('a job that left the listing without a status file is read with the finished command; one that cannot be read is lost', async () => {
    await writeFile(join(dir, 'finished.exit'), '1');
    await writeFile(join(dir, 'finished.err'), 'error: job id 42 not found\n');
    const result = await execute(backend());
    expect(result).toMatchObject({ endReason: 'lost', exitCode: null });
    expect(result.message).toContain('job id 42 not found');
    expect((await calls()).filter((line) => line.startsWith('finished 42'))).toHaveLength(3);
  });

  it("a job the scheduler killed (qacct: failed 100, exit 137) without the script's status ends in error, not in success", async () => {
    await writeFile(join(dir, 'finished.out'), 'jobnumber    42\nfailed       100 : assumedly after job\nexit_status  137\n');
    const result = await execute(backend());
    expect(result).toMatchObject({ endReason: 'error' });
    expect(result.message).toContain('state 100 with exit code 137');
  });

  it('the scheduler saying done with exit 0 is no success without the status file', async () => {
    await writeFile(join(dir, 'finished.out'), 'failed       0\nexit_status  0\n');
    const result = await execute(backend());
    expect(result).toMatchObject({ endReason: 'lost', exitCode: null });
    expect(result.message).toContain('left no status file');
  });

  it('a submit that fails, or prints no job id the pattern takes, is a typed error that says what it printed', async () => {
    await writeFile(join(dir, 'submit.exit'), '1');
    await writeFile(join(dir, 'submit.err'), 'Unable to run job: unknown resource "gpu"\n');
    const refused = await execute(backend()).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(CapstanError);
    expect(refused).toMatchObject({ code: ErrorCode.BackendFailure });
    expect((refused as Error).message).toContain('unknown resource "gpu"');
    await rm(join(dir, 'submit.exit'));
    await writeFile(join(dir, 'submit.out'), 'Your job 42; touch /tmp/x ("fault-a1") has been submitted\n');
    const junk = await execute(backend()).catch((error: unknown) => error);
    expect(junk).toMatchObject({ code: ErrorCode.BackendFailure });
    expect((junk as Error).message).toContain('printed no job id that ^([0-9]+) finds');
    expect((await calls()).filter((line) => line.startsWith('status'))).toEqual([]);
  });

  it('cancels with the cancel command and ends canceled, even when the cancel itself fails', async () => {
    await writeFile(join(dir, 'status.out'), '     42 0.55500 fault-a1   root         qw    12/07/2026 06:36:23                                    1\n');
    await writeFile(join(dir, 'cancel.exit'), '1');
    const controller = new AbortController();
    const done = backend().execute(request, controller.signal, (event) => events.push(event));
    await new Promise((resolve) => setTimeout(resolve, 200));
    controller.abort();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await rm(join(dir, 'status.out'));
    expect(await done).toMatchObject({ endReason: 'canceled', exitCode: null });
    expect(await calls()).toContain('cancel 42');
    expect(events.some((event) => event.type === 'warning' && event.message.includes('the cancel of gridengine job 42 failed'))).toBe(true);
  });

  it.each([
    ['42|OUT_OF_MEMORY|0:125', 'oom', 'for its memory'],
    ['42|TIMEOUT|0:15', 'timeout', 'at its time limit'],
    ['42|PREEMPTED|0:15', 'preempted', 'preempted'],
    ['42|NODE_FAIL|0:0', 'lost', 'NODE_FAIL'],
  ])('the end the scheduler reports (sacct: %s) without the status file is the typed reason %s', async (record, endReason, words) => {
    await writeFile(join(dir, 'finished.out'), `${record}\n`);
    const result = await execute(backend({ profile: 'slurm' }));
    expect(result.endReason).toBe(endReason);
    expect(result.message).toContain(words);
  });

  it('a state the table does not name is a warning, and the job is polled on to its end', async () => {
    await writeFile(join(dir, 'status.out'), '     42 0.55500 fault-a1   root         zz    12/07/2026 06:36:23                                    1\n');
    const done = execute(backend());
    // The job ends only once a poll has read the unknown state (a fixed wait was too short for CI at load 47).
    const deadline = Date.now() + 30_000;
    while (!events.some((event) => event.type === 'warning' && event.message.includes('"zz"')) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await writeStatus('exit=0\n');
    await rm(join(dir, 'status.out'));
    expect(await done).toMatchObject({ endReason: 'exited', exitCode: 0 });
    expect(events.filter((event) => event.type === 'warning' && event.message.includes('"zz"'))).toHaveLength(1);
  });
});
