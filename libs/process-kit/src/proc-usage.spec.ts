import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { parseProcStat, processGroupMembers, readProcessesUsage } from './proc-usage';

describe('parseProcStat', () => {
  it('counts fields from the last ")", so a hostile command name cannot shift them', () => {
    const hostile = '4242 (a) 1 2 3 4 5 6 7 8 9 10 (x) S 1 4242 4242 0 -1 4194560 100 0 0 0 150 50 30 20 20 0 1 0 100 1000000 256 18446744073709551615';
    expect(parseProcStat(4242, hostile)).toEqual({ pid: 4242, pgrp: 4242, userSeconds: 1.8, systemSeconds: 0.7, rssBytes: 256 * 4096 });
  });

  it('is null for text it cannot read', () => {
    expect(parseProcStat(1, 'no parenthesis here')).toBeNull();
    expect(parseProcStat(1, '1 (x) S 1')).toBeNull();
  });
});

describe('process group usage (real processes)', () => {
  jest.setTimeout(30_000);

  it("finds a group's members and counts the CPU of the short processes it forked and reaped", async () => {
    const child = spawn('sh', ['-c', 'i=0; while [ $i -lt 400 ]; do /bin/true; i=$((i+1)); done; sleep 3'], { detached: true, stdio: 'ignore' });
    const pid = child.pid ?? 0;
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const members = processGroupMembers(pid);
      expect(members).toContain(pid);
      const reading = readProcessesUsage(members);
      // The children's execs cost CPU in the children only: counted through the times the shell reaped.
      const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
      const own = (Number(fields[11]) + Number(fields[12])) / 100;
      const reaped = (Number(fields[13]) + Number(fields[14])) / 100;
      expect(reaped).toBeGreaterThan(0);
      expect((reading?.cpuUserSeconds ?? 0) + (reading?.cpuSystemSeconds ?? 0)).toBeCloseTo(own + reaped, 1);
      expect(reading?.memoryBytes).toBeGreaterThan(0);
      expect(reading?.readBytes).toBeGreaterThanOrEqual(0);
    } finally {
      process.kill(-pid, 'SIGKILL');
    }
  });

  it('is null for processes that are gone', () => {
    expect(readProcessesUsage([2 ** 22 + 1])).toBeNull();
    expect(processGroupMembers(2 ** 22 + 1)).toEqual([]);
  });
});
