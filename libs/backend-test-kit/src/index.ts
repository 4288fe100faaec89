// The public API of @capstan/backend-test-kit (reviewed in api/backend-test-kit.api.md): named exports only.
export { BackendTestRun, createAttemptFolder, type RunOutcome, type TaskDocument, uniqueId } from './backend-test-run';
export { localRegistry, type LocalRegistry } from './local-registry';
export { localAzurite, type LocalAzurite } from './local-azurite';
export { localS3Server, type LocalS3Server, ownS3Server } from './local-s3';
export { CAPABILITY_BITS, HARDENING_PROBE_COMMAND, type HardeningReport, parseHardeningProbe } from './hardening-probe';
export { SocketProxy } from './socket-proxy';
export { SSHD_STATE, strangerKey, type TestSshOptions, TestSshd } from './test-sshd';
export { spawnListening } from './spawn-listening';
export { FORGE_USAGE_FOLDERS, fiftyMibUsageProblems, HOLD_50_MIB_AND_EXIT } from './job-container-usage';
export {
  type AttemptWatch,
  eventually,
  type LongTask,
  restoreAndExpectRemoved,
  startLongTask,
  watchAttempt,
} from './fault-run';
export {
  hostChanges,
  type HostFixture,
  HOSTILE_OUTPUTS,
  HOSTILE_REFUSED,
  hostileOutputCommand,
  makeHostFixture,
} from './hostile-host';
