import { BackendTestRun } from '@capstan/backend-test-kit';
import { readFileSync } from 'node:fs';
import { chown, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export { localRegistry, type LocalRegistry, type RunOutcome, type TaskDocument, uniqueId } from '@capstan/backend-test-kit';

/** Test images tools/engines/podman.sh imports into the rootful and the test user's rootless storage; never pulled. */
export const BUSYBOX = 'localhost/capstan-test/busybox:1';
export const BASH = 'localhost/capstan-test/bash:1';
export const ROOTFUL_SOCKET = '/run/podman/podman.sock';
/** The ordinary user tools/engines/test-user.sh makes, whose rootless service tools/engines/podman.sh starts. */
export const TEST_USER = { name: 'capstan-runner', uid: 1500, gid: 1500 };
export const ROOTLESS_SOCKET = `/run/user/${TEST_USER.uid}/podman/podman.sock`;
const ROOTLESS_STATUS_FILE = '/var/lib/capstan/podman/rootless.status';

/**
 * Whether rootless Podman works for the test user, as tools/engines/podman.sh found it: null when it does, else the
 * reason (the error text it recorded), which the rootless tests print when they skip.
 */
export function rootlessUnavailableReason(file = ROOTLESS_STATUS_FILE): string | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return `${file} is missing: run tools/engines/podman.sh (as root) to set up rootless Podman for ${TEST_USER.name}`;
  }
  const [state = '', ...rest] = text.split('\n');
  return state.trim() === 'ok' ? null : `rootless Podman is unavailable here: ${rest.join(' ').trim() || '(no reason recorded)'}`;
}

/** chown -R, for folders a test hands to the rootless service's user (as the engine run by that user would have made them). */
export async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  await chown(path, uid, gid);
  for (const entry of await readdir(path, { withFileTypes: true })) {
    if (entry.isDirectory()) await chownTree(join(path, entry.name), uid, gid);
    else await chown(join(path, entry.name), uid, gid);
  }
}

/** A temp folder and run id per test, with requests on the busybox test image by default. */
export class PodmanTestRun extends BackendTestRun {
  constructor() {
    super('capstan-podman-', BUSYBOX);
  }
}
