import { procProcessTable, type ProcessTable } from '@capstan/cleanup';
import { execFileSync } from 'node:child_process';
import { chown, mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, liveProcesses, ProcessRegistration, registryFolder } from './process-registry';

const SINCE = '2026-12-07T03:00:00.000Z';
const table = (running: Readonly<Record<number, string>>): ProcessTable => ({ startedAt: async (pid) => (running[pid] === undefined ? undefined : new Date(running[pid] as string)) });

let base: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'runs-logs-registry-'));
});
afterEach(() => rm(base, { recursive: true, force: true }));

const entry = (pid: number, processStartedAt: string | null = SINCE): string => JSON.stringify({ version: 1, pid, processStartedAt, runId: 'aaaaaaaaaaaa', runFolder: '/runs/x' });

describe('the live-process registry', () => {
  it('lives under $XDG_RUNTIME_DIR, else a per-user folder in tmp', () => {
    expect(registryFolder({ XDG_RUNTIME_DIR: '/run/user/1000' })).toBe('/run/user/1000/capstan/processes');
    expect(registryFolder({ XDG_RUNTIME_DIR: 'relative' })).toBe(join(tmpdir(), `capstan-${process.getuid?.()}`, 'processes'));
    expect(registryFolder({})).toBe(join(tmpdir(), `capstan-${process.getuid?.()}`, 'processes'));
  });

  it('registers this process (0600) and lists it while its pid runs with its start time; remove takes it out', async () => {
    const folder = join(base, 'processes');
    const registration = await ProcessRegistration.register({ pid: 4242, processStartedAt: SINCE, runId: 'aaaaaaaaaaaa', runFolder: '/runs/x' }, folder);
    expect((await stat(registration.path)).mode & 0o777).toBe(0o600);
    expect((await stat(folder)).mode & 0o777).toBe(0o700);
    expect((await liveProcesses(folder, table({ 4242: SINCE }))).map((one) => one.pid)).toEqual([4242]);
    await registration.remove();
    expect(await readdir(folder)).toEqual([]);
    // The exit hook of a registration removed by other means does not throw.
    const again = await ProcessRegistration.register({ pid: 4243, processStartedAt: SINCE, runId: 'aaaaaaaaaaaa', runFolder: '/runs/x' }, folder);
    await rm(again.path);
    expect(() => process.emit('exit', 0)).not.toThrow();
    await again.remove();
  });

  it('removes stale entries: a dead pid, a pid reused by a process that started later, one whose name and pid disagree', async () => {
    const folder = join(base, 'processes');
    await mkdir(folder);
    await writeFile(join(folder, '100.json'), entry(100));
    await writeFile(join(folder, '200.json'), entry(200));
    await writeFile(join(folder, '300.json'), entry(301));
    await writeFile(join(folder, '400.json'), entry(400));
    const live = await liveProcesses(folder, table({ 200: '2026-12-07T04:00:00.000Z', 301: SINCE, 400: '2026-12-07T03:00:01.000Z' }));
    expect(live.map((one) => one.pid)).toEqual([400]);
    expect(await readdir(folder)).toEqual(['400.json']);
  });

  it('hostile: a link, a FIFO or garbage planted as an entry is removed unread, and never hangs the listing', async () => {
    const folder = join(base, 'processes');
    await mkdir(folder);
    await symlink('/etc/shadow', join(folder, '1.json'));
    execFileSync('mkfifo', [join(folder, '2.json')]);
    await writeFile(join(folder, '3.json'), 'not json');
    await writeFile(join(folder, 'notes.txt'), 'left alone');
    expect(await liveProcesses(folder, table({ 1: SINCE, 2: SINCE, 3: SINCE }))).toEqual([]);
    expect(await readdir(folder)).toEqual(['notes.txt']);
  });

  it('hostile: a registry folder another user owns (or a link) is refused, not written into', async () => {
    const folder = join(base, 'theirs');
    await mkdir(folder);
    await chown(folder, 65534, 65534);
    await expect(ProcessRegistration.register({ pid: 1, processStartedAt: null, runId: 'aaaaaaaaaaaa', runFolder: '/x' }, folder)).rejects.toThrow(/not a folder of this user's/);
    // Nor is it read by ps: its entries are someone else's to fake.
    await writeFile(join(folder, '1.json'), entry(1));
    await expect(liveProcesses(folder, table({ 1: SINCE }))).rejects.toThrow(/not a folder of this user's/);
    await symlink(base, join(base, 'link'));
    await expect(ProcessRegistration.register({ pid: 1, processStartedAt: null, runId: 'aaaaaaaaaaaa', runFolder: '/x' }, join(base, 'link'))).rejects.toThrow(/not a folder of this user's/);
  });

  it('fault: a missing registry folder lists nothing', async () => {
    expect(await liveProcesses(join(base, 'missing'), table({}))).toEqual([]);
  });

  it('isAlive: this very process is alive by /proc; a start time far off is another process', async () => {
    const since = (await procProcessTable.startedAt(process.pid))?.toISOString() ?? null;
    expect(await isAlive(process.pid, since)).toBe(true);
    expect(await isAlive(process.pid, '2000-01-01T00:00:00.000Z')).toBe(false);
  });
});
