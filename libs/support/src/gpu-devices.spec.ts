import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countNvidiaDevices } from './gpu-devices';

describe('countNvidiaDevices', () => {
  let dev: string;
  beforeEach(async () => {
    dev = await mkdtemp(join(tmpdir(), 'support-lib-dev-'));
  });
  afterEach(async () => {
    await rm(dev, { recursive: true, force: true });
  });

  it('counts nvidia<N>, one per GPU, and not the control devices', async () => {
    for (const name of ['nvidia0', 'nvidia1', 'nvidia12', 'nvidiactl', 'nvidia-uvm', 'nvidia-modeset', 'nvidia0x', 'NVIDIA3', 'null']) await writeFile(join(dev, name), '');
    await mkdir(join(dev, 'nvidia-caps'));
    expect(countNvidiaDevices(dev)).toBe(3);
  });

  it('counts none, without throwing, where the folder is missing, a file, or a dangling link', async () => {
    expect(countNvidiaDevices(join(dev, 'missing'))).toBe(0);
    await writeFile(join(dev, 'file'), '');
    expect(countNvidiaDevices(join(dev, 'file'))).toBe(0);
    await symlink(join(dev, 'nowhere'), join(dev, 'link'));
    expect(countNvidiaDevices(join(dev, 'link'))).toBe(0);
  });

  it('reads the real /dev without failing (none on a host without GPUs)', () => {
    expect(countNvidiaDevices()).toBeGreaterThanOrEqual(0);
  });
});
