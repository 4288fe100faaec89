import { readFile, stat, writeFile } from 'node:fs/promises';
import { DockerClient } from './docker-client';
import { attemptLogConfig, type BoundedLogDriver, dockerLocalLog, podmanFileLog } from './log-copy';
import { reattachAttemptContainer } from './reattach-container';
import { detachedContainers } from './testing/detached-containers';

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
  const containers = detachedContainers(client, `t10-logs-copy-${engine}`);
  const runDetached = (script: string, maxBytes: number) => containers.start(script, driver(maxBytes));

  it('gives all a container printed while nobody watched, in place of the part an earlier process captured', async () => {
    const { id, labels } = await runDetached('echo before; echo err >&2; sleep 1; echo while-down; exit 6', MIB);
    await writeFile(containers.streams().stdoutFile, 'before\n'); // what the killed process had captured
    await client.waitContainer(id);
    const result = await reattachAttemptContainer(client, { id, name: 'x', labels, state: 'exited' }, containers.streams(), 5, new AbortController().signal);
    expect(result).toMatchObject({ exitCode: 6, endReason: 'exited' });
    expect(await readFile(containers.streams().stdoutFile, 'utf8')).toBe('before\nwhile-down\n');
    expect(await readFile(containers.streams().stderrFile, 'utf8')).toBe('err\n');
  });

  it('keeps the copy and the harvested files bounded, with the newest output, when a task prints far more than the bound (hostile)', async () => {
    // About 24 MiB printed against a 1 MiB bound; the last line must survive, the first must not.
    const script = 'echo first-line; yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 25165824; echo; echo last-line';
    const { id, labels } = await runDetached(script, MIB);
    await client.waitContainer(id);
    const result = await reattachAttemptContainer(client, { id, name: 'x', labels, state: 'exited' }, containers.streams(), 5, new AbortController().signal);
    expect(result).toMatchObject({ exitCode: 0, endReason: 'exited' });
    const size = (await stat(containers.streams().stdoutFile)).size;
    expect(size).toBeGreaterThan(0);
    // The engine's copy is all the harvest can read (and all it holds in memory at once): at most the bound, plus
    // one line a driver may let through. Docker keeps between half the bound and the bound; Podman's conmon empties
    // its file when it passes the bound, so it keeps between nothing and the bound.
    expect(size).toBeLessThanOrEqual(MIB + 8192);
    const text = await readFile(containers.streams().stdoutFile, 'utf8');
    expect(text.slice(-60)).toMatch(/last-line\n$/);
    expect(text).not.toContain('first-line');
  });
});
