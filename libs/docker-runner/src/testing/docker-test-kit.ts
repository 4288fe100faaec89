import { BackendTestRun } from '@capstan/backend-test-kit';

export { localRegistry, type LocalRegistry, type RunOutcome, type TaskDocument, uniqueId } from '@capstan/backend-test-kit';

/** Test images made by tools/engines/test-images.sh; never pulled. */
export const BUSYBOX = 'capstan-test/busybox:1';
export const BASH = 'capstan-test/bash:1';

/** A temp folder and run id per test, with requests on the busybox test image by default. */
export class DockerTestRun extends BackendTestRun {
  constructor() {
    super('capstan-docker-', BUSYBOX);
  }
}
