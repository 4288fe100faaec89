import { execFileSync } from 'node:child_process';
import { DockerClient } from './docker-client';

// On the real daemon: the event log is what tells an OOM kill the container's state missed (Docker 20.10 under load
// has ended such a container with OOMKilled false and exit 137) from a kill another tool asked for.
describe('endEventsSince (real daemon)', () => {
  jest.setTimeout(60_000);
  const client = new DockerClient({}, {});
  const name = (what: string): string => `capstan-end-events-${what}-${process.pid}-${Date.now()}`;
  const docker = (...args: string[]): string => execFileSync('docker', args, { encoding: 'utf8' }).trim();
  const created: string[] = [];
  afterAll(() => created.forEach((id) => docker('rm', '-f', id)));

  it('reports the kernel OOM killer as oom, with no kill asked for', async () => {
    const since = new Date();
    const id = docker('run', '-d', '--name', name('oom'), '-m', '16m', '--memory-swap', '16m', 'capstan-test/busybox:1', 'sh', '-c', 'x=a; while true; do x="$x$x"; done');
    created.push(id);
    expect(docker('wait', id)).toBe('137');
    expect(await client.endEventsSince(id, since)).toEqual({ killSignal: null, oom: true });
  });

  it('reports a kill from another tool with its signal, and no oom', async () => {
    const since = new Date();
    const id = docker('run', '-d', '--name', name('kill'), 'capstan-test/busybox:1', 'sleep', '60');
    created.push(id);
    docker('kill', id);
    docker('wait', id);
    expect(await client.endEventsSince(id, since)).toEqual({ killSignal: '9', oom: false });
  });
});
