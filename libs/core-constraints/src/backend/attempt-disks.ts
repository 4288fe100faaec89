import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { TASK_ROOT_MOUNT } from '../units/disk';

/** The host folder that stands in for one of a task's extra disks. */
export interface DiskFolder {
  readonly mountPoint: string;
  readonly hostPath: string;
}

/** `/mnt/scratch data` -> `mnt_scratch_data`: one folder name, safe on any filesystem. */
export function sanitiseMountPoint(mountPoint: string): string {
  const name = mountPoint.replace(/^\/+|\/+$/g, '').replace(/[^A-Za-z0-9._-]+/g, '_');
  return name === '' || name === '.' || name === '..' ? 'disk' : name;
}

/**
 * Part of the attempt folder's layout, the same for every backend: the host folders standing in for a task's extra
 * disks (every mount point but `/`, which is the work dir), one per mount under `<attempt>/disks/`, named after the
 * mount point (a counter keeps two apart when they sanitise alike). Sizes are not enforced.
 */
export function planDiskFolders(attemptRoot: string, disks: Readonly<Record<string, number>>): DiskFolder[] {
  const used = new Set<string>();
  return Object.keys(disks)
    .filter((mountPoint) => mountPoint !== TASK_ROOT_MOUNT)
    .map((mountPoint) => {
      const base = sanitiseMountPoint(mountPoint);
      let name = base;
      for (let n = 2; used.has(name); n += 1) name = `${base}-${n}`;
      used.add(name);
      return { mountPoint, hostPath: join(attemptRoot, 'disks', name) };
    });
}

export async function createDiskFolders(folders: readonly DiskFolder[]): Promise<void> {
  await Promise.all(folders.map((folder) => mkdir(folder.hostPath, { recursive: true })));
}
