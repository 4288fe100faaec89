import { spawn } from 'node:child_process';
import { isOwnerAlive, procProcessTable } from './owner-process';

describe('owner processes (real /proc)', () => {
  it('knows this process is alive for a resource it created just now', async () => {
    expect(await isOwnerAlive(process.pid, new Date())).toBe(true);
  });

  it('knows an exited process is gone', async () => {
    const child = spawn('true');
    const pid = child.pid ?? -1;
    await new Promise((resolve) => child.once('exit', resolve));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await procProcessTable.startedAt(pid)).toBeUndefined();
    expect(await isOwnerAlive(pid, new Date())).toBe(false);
  });

  it('treats a live pid that started after the resource was created as a reused number', async () => {
    const longAgo = new Date('2001-01-01T00:00:00Z');
    expect(await isOwnerAlive(process.pid, longAgo)).toBe(false);
  });

  it('reads a start time close to the real one', async () => {
    const startedAt = await procProcessTable.startedAt(process.pid);
    const expected = Date.now() - process.uptime() * 1000;
    expect(Math.abs((startedAt?.getTime() ?? 0) - expected)).toBeLessThan(5_000);
  });
});
