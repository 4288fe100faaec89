import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { countNvidiaDevices } from './gpu-devices';
import { folderPerTest } from './testing';

describe('countNvidiaDevices', () => {
  const folder = folderPerTest('support-lib-dev-');

  it('counts nvidia<N>, one per GPU, and not the control devices', async () => {
    const dev = folder();
    for (const name of ['nvidia0', 'nvidia1', 'nvidia12', 'nvidiactl', 'nvidia-uvm', 'nvidia-modeset', 'nvidia0x', 'NVIDIA3', 'null']) await writeFile(join(dev, name), '');
    await mkdir(join(dev, 'nvidia-caps'));
    expect(countNvidiaDevices(dev)).toBe(3);
  });

  it('counts none, without throwing, where the folder is missing, a file, or a dangling link', async () => {
    const dev = folder();
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
