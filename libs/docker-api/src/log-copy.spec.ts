import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerClient } from './docker-client';
import { attemptLogConfig, type BoundedLogDriver, dockerLocalLog, podmanFileLog } from './log-copy';
import { reattachAttemptContainer } from './reattach-container';

const MIB = 1024 * 1024;

describe('attemptLogConfig', () => {
  it('keeps a copy for reattachable attempts under auto, for all under always, for none under never', () => {
    expect(attemptLogConfig({ reattachable: true }, 'auto', 2 * MIB, dockerLocalLog)).toEqual({ Type: 'local', Config: { 'max-size': String(MIB), 'max-file': '2' } });
    expect(attemptLogConfig({}, 'auto', 2 * MIB, dockerLocalLog)).toEqual({ Type: 'none', Config: {} });
    expect(attemptLogConfig({}, 'always', MIB, podmanFileLog)).toEqual({ Type: 'k8s-file', Config: { 'max-size': String(MIB) } });
    expect(attemptLogConfig({ reattachable: true }, 'never', MIB, podmanFileLog)).toEqual({ Type: 'none', Config: {} });
  });
});

// On the real engines of this machine: a container started with the bounded copy "by an earlier process", then
// harvested as a restarted TES server does.
describe.each([
  ['docker', {}, dockerLocalLog],
  ['podman', { socketPath: '/run/podman/podman.sock' }, podmanFileLog],
] as const)('the bounded log copy on %s (real engine)', (engine, connection, driver: BoundedLogDriver) => {
  jest.setTimeout(120_000);
  const client = new DockerClient(connection, {});
  let folder: string;
  const created: string[] = [];
  const streamsIn = (dir: string) => ({ stdoutFile: join(dir, 'stdout'), stderrFile: join(dir, 'stderr') });

  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 't10-logs-copy-'));
    await Promise.all([writeFile(join(folder, 'stdout'), ''), writeFile(join(folder, 'stderr'), '')]);
  });
  afterEach(async () => {
    await Promise.all(created.splice(0).map((id) => client.removeContainer(id, true).catch(() => undefined)));
    await rm(folder, { recursive: true, force: true });
  });

  async function runDetached(script: string, maxBytes: number): Promise<{ id: string; labels: Record<string, string> }> {
    const labels = { 'io.capstan.managed': 'true', 'io.capstan.created': new Date().toISOString() };
    const id = await client.createContainer({
      name: `t10-logs-copy-${engine}-${process.pid}-${created.length}-${Date.now()}`,
      Image: 'capstan-test/busybox:1',
      Cmd: ['sh', '-c', script],
      Labels: labels,
      HostConfig: { LogConfig: driver(maxBytes) },
    });
    created.push(id);
    await client.startContainer(id);
    return { id, labels };
  }

  it('gives all a container printed while nobody watched, in place of the part an earlier process captured', async () => {
    const { id, labels } = await runDetached('echo before; echo err >&2; sleep 1; echo while-down; exit 6', MIB);
    await writeFile(join(folder, 'stdout'), 'before\n'); // what the killed process had captured
    await client.waitContainer(id);
    const result = await reattachAttemptContainer(client, { id, name: 'x', labels, state: 'exited' }, streamsIn(folder), 5, new AbortController().signal);
    expect(result).toMatchObject({ exitCode: 6, endReason: 'exited' });
    expect(await readFile(join(folder, 'stdout'), 'utf8')).toBe('before\nwhile-down\n');
    expect(await readFile(join(folder, 'stderr'), 'utf8')).toBe('err\n');
  });

  it('keeps the copy and the harvested files bounded, with the newest output, when a task prints far more than the bound (hostile)', async () => {
    // About 24 MiB printed against a 1 MiB bound; the last line must survive, the first must not.
    const script = 'echo first-line; yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 25165824; echo; echo last-line';
    const { id, labels } = await runDetached(script, MIB);
    await client.waitContainer(id);
    const result = await reattachAttemptContainer(client, { id, name: 'x', labels, state: 'exited' }, streamsIn(folder), 5, new AbortController().signal);
    expect(result).toMatchObject({ exitCode: 0, endReason: 'exited' });
    const size = (await stat(join(folder, 'stdout'))).size;
    expect(size).toBeGreaterThan(0);
    // The engine's copy is all the harvest can read (streamed to the file, never held whole): at most the bound, plus
    // one line a driver may let through. Docker keeps between half the bound and the bound; Podman's conmon empties
    // its file when it passes the bound, so it keeps between nothing and the bound.
    expect(size).toBeLessThanOrEqual(MIB + 8192);
    const text = await readFile(join(folder, 'stdout'), 'utf8');
    expect(text.endsWith('last-line\n')).toBe(true);
    expect(text).not.toContain('first-line');
  });
});
