import { planDiskFolders, sanitiseMountPoint } from './attempt-disks';

describe('extra disks', () => {
  it('names a folder after each mount point', () => {
    expect(sanitiseMountPoint('/mnt/scratch')).toBe('mnt_scratch');
    expect(sanitiseMountPoint('/data dir/x/')).toBe('data_dir_x');
    expect(sanitiseMountPoint('/..')).toBe('disk');
  });

  it('plans one folder per mount point except the task root, keeping alike names apart', () => {
    expect(planDiskFolders('/a', { '/': 1, '/mnt/x': 2, '/mnt_x': 3, '/tmp': 4 })).toEqual([
      { mountPoint: '/mnt/x', hostPath: '/a/disks/mnt_x' },
      { mountPoint: '/mnt_x', hostPath: '/a/disks/mnt_x-2' },
      { mountPoint: '/tmp', hostPath: '/a/disks/tmp' },
    ]);
  });
});
