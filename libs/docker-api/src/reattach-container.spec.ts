import { readFile } from 'node:fs/promises';
import { DockerClient } from './docker-client';
import { reattachAttemptContainer } from './reattach-container';
import { detachedContainers } from './testing/detached-containers';

// Against the real daemon of this machine: a container started "by an earlier process" (here: started and then left
// alone, with nobody attached), then taken over.
describe('reattachAttemptContainer (real daemon)', () => {
  jest.setTimeout(60_000);
  const client = new DockerClient({}, {});
  const containers = detachedContainers(client, 'capstan-reattach-test');
  const startDetached = (script: string, logDriver = 'none') => containers.start(script, { Type: logDriver, Config: {} });

  it('streams what the container prints after the take-over, reads its exit code and removes it', async () => {
    const { id, labels } = await startDetached('echo before; sleep 1.5; echo after; echo oops >&2; exit 7');
    const streams = { stdoutFile: containers.streams().stdoutFile, stderrFile: containers.streams().stderrFile };
    const result = await reattachAttemptContainer(client, { id, name: 'x', labels, state: 'running' }, streams, 5, new AbortController().signal);
    expect(result).toMatchObject({ exitCode: 7, endReason: 'exited' });
    // The daemon's start time, not the creation label's (5 s earlier).
    expect(Math.abs(result.startedAt.getTime() - Date.now())).toBeLessThan(4_000);
    expect(await readFile(streams.stdoutFile, 'utf8')).toBe('after\n');
    expect(await readFile(streams.stderrFile, 'utf8')).toBe('oops\n');
    await expect(client.inspectContainer(id)).rejects.toThrow();
  });

  it('stops the container when the signal aborts and says canceled', async () => {
    const { id, labels } = await startDetached('trap "exit 143" TERM; while true; do sleep 0.1; done');
    const controller = new AbortController();
    const pending = reattachAttemptContainer(client, { id, name: 'x', labels, state: 'running' }, { stdoutFile: containers.streams().stdoutFile, stderrFile: containers.streams().stderrFile }, 5, controller.signal);
    setTimeout(() => controller.abort(), 300);
    await expect(pending).resolves.toMatchObject({ endReason: 'canceled' });
    await expect(client.inspectContainer(id)).rejects.toThrow();
  });

  it('reads a container that ended before the take-over and removes it', async () => {
    const { id, labels } = await startDetached('exit 3');
    await client.waitContainer(id);
    const result = await reattachAttemptContainer(client, { id, name: 'x', labels, state: 'exited' }, { stdoutFile: containers.streams().stdoutFile, stderrFile: containers.streams().stderrFile }, 5, new AbortController().signal);
    expect(result).toMatchObject({ exitCode: 3, endReason: 'exited' });
    await expect(client.inspectContainer(id)).rejects.toThrow();
  });

  it('harvests a container that ended while nobody watched: its exit code, all its output, its real times', async () => {
    const { id, labels } = await startDetached('echo one; echo two; echo bad >&2; exit 5', 'json-file');
    await client.waitContainer(id);
    await new Promise((wait) => setTimeout(wait, 1_100));
    const streams = { stdoutFile: containers.streams().stdoutFile, stderrFile: containers.streams().stderrFile };
    const result = await reattachAttemptContainer(client, { id, name: 'x', labels, state: 'exited' }, streams, 5, new AbortController().signal);
    expect(result).toMatchObject({ exitCode: 5, endReason: 'exited' });
    expect(await readFile(streams.stdoutFile, 'utf8')).toBe('one\ntwo\n');
    expect(await readFile(streams.stderrFile, 'utf8')).toBe('bad\n');
    // Ended more than a second before the harvest: the end time is the container's, not the harvest's.
    expect(Date.now() - result.endedAt.getTime()).toBeGreaterThan(1_000);
    expect(result.endedAt.getTime() - result.startedAt.getTime()).toBeLessThan(1_000);
    await expect(client.inspectContainer(id)).rejects.toThrow();
  });

  it('replays what a running container printed before the take-over (a log driver that keeps it)', async () => {
    const { id, labels } = await startDetached('echo early; sleep 1.5; echo late', 'json-file');
    await new Promise((wait) => setTimeout(wait, 500));
    const streams = { stdoutFile: containers.streams().stdoutFile, stderrFile: containers.streams().stderrFile };
    const result = await reattachAttemptContainer(client, { id, name: 'x', labels, state: 'running' }, streams, 5, new AbortController().signal);
    expect(result).toMatchObject({ exitCode: 0, endReason: 'exited' });
    expect(await readFile(streams.stdoutFile, 'utf8')).toBe('early\nlate\n');
  });

  it('fails, and leaves no container, when the container vanished before the take-over (fault)', async () => {
    const { id, labels } = await startDetached('exit 0');
    await client.removeContainer(id, true);
    await expect(reattachAttemptContainer(client, { id, name: 'x', labels, state: 'exited' }, { stdoutFile: containers.streams().stdoutFile, stderrFile: containers.streams().stderrFile }, 5, new AbortController().signal)).rejects.toThrow();
  });
});
