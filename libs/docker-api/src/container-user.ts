import { chmod, chown } from 'node:fs/promises';

export interface HostIdentity {
  readonly uid: number;
  readonly gid: number;
}

/** The identity of this process (`process.getuid`/`getgid`; 0 on platforms without them). */
export function invokingIdentity(): HostIdentity {
  return { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
}

/**
 * The container's `User` for the `user` option: `auto` runs as the invoking uid:gid when Capstan is not root (so the
 * task's files are the user's own), and as the image's own user when it is root (undefined); `root` is `0:0`;
 * `UID:GID` is taken as given.
 */
export function containerUser(option: string, invoking: HostIdentity): string | undefined {
  if (option === 'auto') return invoking.uid === 0 ? undefined : `${invoking.uid}:${invoking.gid}`;
  if (option === 'root') return '0:0';
  return option;
}

/** The uid/gid a container runs as, where it can be known without the image's passwd file; null for a name. */
export function effectiveIdentity(user: string | undefined, imageUser: string): HostIdentity | null {
  const text = user ?? imageUser;
  if (text === '' || text === 'root') return { uid: 0, gid: 0 };
  const match = /^([0-9]+)(?::([0-9]+))?$/.exec(text);
  if (match?.[1] === undefined) return text.startsWith('root:') ? { uid: 0, gid: 0 } : null;
  const uid = Number(match[1]);
  return { uid, gid: match[2] === undefined ? uid : Number(match[2]) };
}

/**
 * Makes the writable folders (work dir, extra disks) writable by the container's user when that is neither root nor
 * the folders' owner (this process): as root, by giving them to that uid:gid; otherwise (or for a user known only by
 * name) by opening them to everyone (mode 0777).
 */
export async function grantFolderAccess(
  folders: readonly string[],
  user: string | undefined,
  imageUser: string,
  invoking: HostIdentity,
): Promise<void> {
  await grantFolderAccessTo(folders, effectiveIdentity(user, imageUser), invoking);
}

/**
 * The same for a container process whose host identity is known otherwise (null: unknown), e.g. under a user
 * namespace: rootless Podman's keep-id runs the task as the service's own user.
 */
export async function grantFolderAccessTo(folders: readonly string[], identity: HostIdentity | null, invoking: HostIdentity): Promise<void> {
  if (identity !== null && (identity.uid === 0 || identity.uid === invoking.uid)) return;
  for (const folder of folders) {
    if (identity !== null && invoking.uid === 0) await chown(folder, identity.uid, identity.gid);
    else await chmod(folder, 0o777);
  }
}
