import { type Scenario } from './conformance';

const MIB = 1024 * 1024;

/** The scenarios of a backend that declares resource usage; the suite runs them with readings every 0.5 s. */
export function usageScenarios(image: string): Scenario[] {
  return [
    {
      title: 'reports a task that holds 200 MiB with a peak between 200 and 260 MiB',
      needs: { capability: 'usage', because: 'it reports no resource usage' },
      run: async ({ run }) => {
        // dd's one 200 MiB block stays held while dd waits to write it into a pipe nobody reads (busybox has no other way).
        const result = await run({ name: 'usage-memory', command: 'dd if=/dev/zero bs=200M count=1 2>/dev/null | sleep 3', requirements: { container: image, memory: '1 GiB' } });
        expect(result.state).toBe('succeeded');
        const usage = result.attempts[0]?.usage;
        expect(usage?.peakMemoryBytes).toBeGreaterThanOrEqual(200 * MIB);
        expect(usage?.peakMemoryBytes).toBeLessThanOrEqual(260 * MIB);
      },
    },
    {
      title: 'reports the CPU seconds of a busy loop as the loop measured them itself, and a mean near 100% of one CPU',
      needs: { capability: 'usage', because: 'it reports no resource usage' },
      run: async ({ run, stdoutOf }) => {
        // About 4 s of shell arithmetic; `times` prints what the shell and its children used (the truth on a loaded
        // machine, where a busy loop gets less than its wall time). Then 2 s idle: a reading taken after the loop holds
        // all of its CPU, so the comparison does not race the task's end (a Docker stats reading can take a second).
        const idle = 2;
        const loop = `end=$(( $(date +%s) + 4 )); while [ "$(date +%s)" -lt "$end" ]; do i=0; while [ $i -lt 5000 ]; do i=$((i+1)); done; done; times; sleep ${idle}`;
        const result = await run({ name: 'usage-cpu', command: loop, requirements: { container: image, cpu: 1 } });
        expect(result.state).toBe('succeeded');
        const measured = [...(await stdoutOf(result)).matchAll(/([0-9]+)m([0-9.]+)s/g)].reduce((sum, [, minutes, seconds]) => sum + Number(minutes) * 60 + Number(seconds), 0);
        const usage = result.attempts[0]?.usage;
        const reported = (usage?.cpuUserSeconds ?? 0) + (usage?.cpuSystemSeconds ?? 0);
        // Tolerance: 25% of the loop's own figure, or 0.6 s.
        expect(Math.abs(reported - measured)).toBeLessThanOrEqual(Math.max(0.25 * measured, 0.6));
        // Never more than the one CPU a single loop can use, and close to its wall time when it got the CPU.
        expect(reported).toBeLessThanOrEqual((usage?.wallSeconds ?? 0) * 1.15);
        const wall = usage?.wallSeconds ?? 1;
        const got = measured / Math.max(wall - idle, 0.1);
        // The mean is over the whole wall time, idle end included.
        if (got > 0.9) expect(usage?.cpuPercentMean).toBeGreaterThanOrEqual((75 * (wall - idle)) / wall);
      },
    },
    {
      title: 'measures a task that forks many short processes, and never fails one that ends before its first reading',
      needs: { capability: 'usage', because: 'it reports no resource usage' },
      run: async ({ run }) => {
        // Hostile: 1,000 processes, each gone long before a reading; their CPU is counted through whoever reaped them.
        const forks = await run({ name: 'usage-forks', command: 'i=0; while [ $i -lt 1000 ]; do /bin/true; i=$((i+1)); done; sleep 1', requirements: { container: image } });
        expect(forks.state).toBe('succeeded');
        const usage = forks.attempts[0]?.usage;
        expect((usage?.cpuUserSeconds ?? 0) + (usage?.cpuSystemSeconds ?? 0)).toBeGreaterThan(0.05);
        const quick = await run({ name: 'usage-quick', command: 'true', requirements: { container: image } });
        expect(quick.state).toBe('succeeded');
        const summary = quick.attempts[0]?.usage;
        // Either a reading was taken (a backend that reads once more at the end) or the usage says why there is none.
        expect((summary?.samples ?? 0) > 0 || summary?.partial !== undefined).toBe(true);
      },
    },
  ];
}
