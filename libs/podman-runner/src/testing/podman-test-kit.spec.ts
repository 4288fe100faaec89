import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootlessUnavailableReason } from './podman-test-kit';

describe('rootlessUnavailableReason', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capstan-rootless-status-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reads what tools/engines/podman.sh recorded: ok, or the error text', async () => {
    await writeFile(join(dir, 'ok'), 'ok\nunix:///run/user/1500/podman/podman.sock\n');
    await writeFile(join(dir, 'bad'), 'unavailable\nslirp4netns failed: open("/dev/net/tun"): Permission denied\n');
    expect(rootlessUnavailableReason(join(dir, 'ok'))).toBeNull();
    expect(rootlessUnavailableReason(join(dir, 'bad'))).toBe('rootless Podman is unavailable here: slirp4netns failed: open("/dev/net/tun"): Permission denied');
    expect(rootlessUnavailableReason(join(dir, 'none'))).toMatch(/missing: run tools\/engines\/podman\.sh/);
  });
});
