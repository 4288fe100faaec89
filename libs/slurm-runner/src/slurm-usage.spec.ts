import { BackendTestRun } from '@capstan/backend-test-kit';
import { type BackendEvent } from '@capstan/core-constraints';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SlurmBackend } from './slurm-backend';
import { REGISTRY_IMAGE, testBackend } from './testing/slurm-test-kit';

// Real Slurm with its accounting (tools/engines/slurm.sh: slurmdbd on MariaDB, jobacct_gather/cgroup every second),
// Apptainer in the job. No mocks: slurmdbd "down" is a copy of slurm.conf whose AccountingStoragePort nothing listens
// on, which is what sacct meets when slurmdbd is down, without stopping the daemon every other test shares.
jest.setTimeout(120_000);

const MIB = 1024 * 1024;
const HOLD_100_MIB = 'dd if=/dev/zero bs=100M count=1 2>/dev/null | sleep 3';

describe('SlurmBackend usage (real Slurm accounting, Apptainer in the job)', () => {
  const run = new BackendTestRun('capstan-slurm-acct-', REGISTRY_IMAGE);
  const deadConf = join(tmpdir(), `slurm-acct-dead-dbd-${process.pid}.conf`);
  let backend: SlurmBackend;

  beforeAll(async () => {
    backend = testBackend({}, process.env);
    await run.setUp();
    const conf = await readFile(process.env['SLURM_CONF'] ?? '/etc/slurm/slurm.conf', 'utf8');
    // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    await writeFile(deadConf, conf.replace(/^AccountingStoragePort=.*$/m, 'AccountingStoragePort=9'));
  });
  afterAll(async () => {
    backend.close();
    await run.tearDown();
    await rm(deadConf, { force: true });
  });

  it('samples the running job with sstat (usage events) and reads the final figures from sacct', async () => {
    const request = await run.request(backend, { command: `${HOLD_100_MIB}; i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done` }, { usageIntervalMs: 500 });
    const { result, events } = await run.execute(backend, request);
    expect(result).toMatchObject({ exitCode: 0, endReason: 'exited' });
    const samples = events.filter((event): event is Extract<BackendEvent, { type: 'usage' }> => event.type === 'usage');
    expect(samples.length).toBeGreaterThan(0);
    expect(Math.max(...samples.map((sample) => sample.peakMemoryBytes ?? 0))).toBeGreaterThanOrEqual(100 * MIB);
    const usage = result.usage;
    expect(usage?.partial).toBeUndefined();
    expect(usage?.peakMemoryBytes).toBeGreaterThanOrEqual(100 * MIB);
    expect(usage?.peakMemoryBytes).toBeLessThanOrEqual(160 * MIB);
    // Only sacct gives CPU (sstat's is in whole seconds and left out): its presence proves the final read.
    expect(usage?.cpuUserSeconds).toBeGreaterThan(0);
    expect(usage?.cpuSystemSeconds).toBeGreaterThanOrEqual(0);
    expect(usage?.wallSeconds).toBeGreaterThanOrEqual(3);
    expect(usage?.samples).toBe(samples.length + 1);
    expect(events.some((event) => event.type === 'warning')).toBe(false);
  });

  it('reads the running steps of all its jobs with shared sstat calls, fewer than the readings they served', async () => {
    const before = backend.commandCounts().sstat;
    const requests = await Promise.all(Array.from({ length: 4 }, () => run.request(backend, { command: 'sleep 4' }, { usageIntervalMs: 500 })));
    const outcomes = await Promise.all(requests.map((request) => run.execute(backend, request)));
    expect(outcomes.map((outcome) => outcome.result.exitCode)).toEqual([0, 0, 0, 0]);
    const readings = outcomes.reduce((sum, outcome) => sum + outcome.events.filter((event) => event.type === 'usage').length, 0);
    const calls = backend.commandCounts().sstat - before;
    expect(readings).toBeGreaterThanOrEqual(8);
    // One call per job per reading would be `readings`; shared, it is at most about half of it (jobs started together).
    expect(calls).toBeLessThanOrEqual(Math.ceil(readings / 2));
    for (const outcome of outcomes) expect(outcome.result.usage?.partial).toBeUndefined();
  });

  it("hostile: labels (the job's comment) with | and newlines, and a task printing sacct-like lines, change no figure", async () => {
    const forged = '1|COMPLETED|999999999K|99:00:00|99:00:00|99:00:00|99:00:00|9G|9G|99:00:00';
    const request = await run.request(backend, { command: `echo '${forged}'; echo '${forged}' >&2; ${HOLD_100_MIB}` }, { usageIntervalMs: 500 });
    const hostile = { ...request, labels: { ...request.labels, 'io.capstan.test/evil': `x|COMPLETED|999999999K\n${forged}` } };
    const { result } = await run.execute(backend, hostile);
    expect(result).toMatchObject({ exitCode: 0, endReason: 'exited' });
    expect(result.usage?.partial).toBeUndefined();
    expect(result.usage?.peakMemoryBytes).toBeLessThanOrEqual(160 * MIB);
    expect(result.usage?.cpuUserSeconds).toBeLessThan(60);
    expect(result.usage?.writtenBytes ?? 0).toBeLessThan(9 * 1024 * MIB);
  });

  it('fault: slurmdbd down: the task result is unchanged, the usage is what sstat read, partial, with a warning', async () => {
    const noDbd = testBackend({}, { ...process.env, SLURM_CONF: deadConf });
    try {
      const request = await run.request(noDbd, { command: `${HOLD_100_MIB}; exit 3` }, { usageIntervalMs: 500 });
      const { result, events } = await run.execute(noDbd, request);
      expect(result).toMatchObject({ exitCode: 3, endReason: 'exited' });
      expect(result.usage?.partial).toMatch(/no final usage from Slurm's accounting \(sacct failed \(exit code 1\): .*Problem talking to the database.*\(asked 8 times/);
      // sstat asks slurmd, not slurmdbd: the readings taken while it ran stand.
      expect(result.usage?.peakMemoryBytes).toBeGreaterThanOrEqual(100 * MIB);
      expect(result.usage?.cpuUserSeconds).toBeUndefined();
      const warnings = events.filter((event) => event.type === 'warning').map((event) => (event.type === 'warning' ? event.message : ''));
      expect(warnings).toEqual([expect.stringMatching(/the usage of Slurm job [0-9]+ is partial: sacct failed/)]);
    } finally {
      noDbd.close();
    }
  });

  it("declares sampled usage where Slurm's accounting sees the task (Apptainer, with slurm.accounting on), a final one for Docker and Podman", () => {
    expect(backend.capabilities.usage).toBe('sampled');
    // A Docker or Podman container's processes are its daemon's, outside the job: its own cgroup, copied by the job, gives the totals.
    for (const runtime of ['docker', 'podman'] as const) expect(testBackend({ runtime }).capabilities.usage).toBe('final-only');
    expect(testBackend({ accounting: false }).capabilities.usage).toBe('unavailable');
  });

  it('reports no usage for a job canceled before it ran, and asks sacct nothing for it', async () => {
    const request = await run.request(backend, { command: 'sleep 30' }, { usageIntervalMs: 500 });
    const controller = new AbortController();
    controller.abort();
    const before = backend.commandCounts().sacct;
    const { result } = await run.execute(backend, request, controller.signal);
    expect(result.endReason).toBe('canceled');
    expect(result.usage).toBeUndefined();
    expect(backend.commandCounts().sacct).toBe(before);
  });
});
