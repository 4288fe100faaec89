import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { type BindSource } from '@capstan/docker-api/internal';
import { posix } from 'node:path';

/**
 * With `sharedRoot` set (a folder every swarm node mounts at the same path), every folder an attempt binds must be
 * under it, as the daemon's host sees it: a task placed on another node would otherwise bind a folder that is not
 * there (Docker even creates an empty one). Checked before anything is created; nothing to check when it is unset.
 */
export function assertUnderSharedRoot(binds: readonly BindSource[], sharedRoot: string | undefined): void {
  if (sharedRoot === undefined) return;
  const root = posix.normalize(sharedRoot).replace(/(.)\/+$/, '$1');
  for (const bind of binds) {
    const inside = posix.relative(root, posix.normalize(bind.path));
    if (inside === '' || (!inside.startsWith('..') && !posix.isAbsolute(inside))) continue;
    throw new CapstanError(
      ErrorCode.InvalidConfig,
      `${bind.role} ${bind.path} is not under docker.sharedRoot ${root}, the folder every node sees at the same path, so a task ` +
        `placed on another node could not see it; put Capstan's work root and inputs under ${root} (e.g. --work-root ${posix.join(root, 'runs')}), ` +
        'or set sharedRoot to a shared folder that holds them',
      { path: 'docker.sharedRoot', details: { value: bind.path, limit: root, role: bind.role } },
    );
  }
}
