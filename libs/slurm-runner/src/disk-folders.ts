import { TASK_ROOT_MOUNT } from '@capstan/core-constraints';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type DiskFolder } from './job-script';

/**
 * Host folders for a task's extra disks (every mount point but `/`, which is the work dir), one per mount under
 * `<attempt>/disks/`, named after the mount point as the other backends name them; mounted read-write. Sizes are not
 * enforced (a folder on the shared filesystem).
 */
export function planDiskFolders(attemptRoot: string, disks: Readonly<Record<string, number>>): DiskFolder[] {
  const used = new Set<string>();
  return Object.keys(disks)
    .filter((mountPoint) => mountPoint !== TASK_ROOT_MOUNT)
    .map((mountPoint) => {
      const cleaned = mountPoint.replace(/^\/+|\/+$/g, '').replace(/[^A-Za-z0-9._-]+/g, '_');
      const base = cleaned === '' || cleaned === '.' || cleaned === '..' ? 'disk' : cleaned;
      let name = base;
      for (let n = 2; used.has(name); n += 1) name = `${base}-${n}`;
      used.add(name);
      return { mountPoint, hostPath: join(attemptRoot, 'disks', name) };
    });
}

export async function createDiskFolders(folders: readonly DiskFolder[]): Promise<void> {
  await Promise.all(folders.map((folder) => mkdir(folder.hostPath, { recursive: true })));
}
