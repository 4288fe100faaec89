// The public API of @capstan/core-constraints (reviewed in api/core-constraints.api.md): named exports only.
export { CapstanError, type CapstanErrorOptions, ErrorCode, isCapstanError } from './errors/capstan-error';
export {
  type AdmissionEvent,
  type Lease,
  type ResourceAmounts,
  ResourceManager,
  type ResourceManagerSnapshot,
  type ResourceName,
} from './resources/resource-manager';
export { ACCEPTED_SIZE_UNITS, describeValue, formatBytes, GIB, parseSize, type SizeOptions } from './units/size';
export { DEFAULT_DISKS, type DiskClass, type DiskSpec, parseDisks, TASK_ROOT_MOUNT } from './units/disk';
export {
  ANY_CONTAINER,
  CONTAINER_KINDS,
  type ContainerKind,
  type ContainerSource,
  isDockerReference,
  parseContainerList,
  parseContainerSource,
} from './containers/container-source';
export { assertKnownKeys, editDistance, readAliased, suggestKey } from './schema/keys';
export { capstanParser, joinPath, parseWithSchema } from './schema/zod-bridge';
export { normaliseGuestPath } from './paths/guest-path';
export {
  DEFAULT_MEMORY,
  isSuccessCode,
  MAX_RETRIES,
  parseRequirements,
  REQUIREMENT_KEYS,
  type Requirements,
} from './task/requirements';
export { type AcceleratorHint, ENGINE_HINT_KEYS, type Hints, KNOWN_HINT_KEYS, parseHints } from './task/hints';
export {
  DEFAULT_INPUT_ROOT,
  GUEST_COMMAND_FILE,
  GUEST_WORK_DIR,
  type InputType,
  parseTask,
  type Task,
  TASK_KEYS,
  type TaskInput,
} from './task/task';
export { parseTaskOutputs, type TaskOutput } from './task/task-outputs';
export {
  LATEST_RUN_LINK,
  OUTPUTS_MANIFEST,
  RUN_OUTPUTS_FOLDER,
  RUN_RECORD_FILE,
  RUN_RECORD_TEMPORARY,
  RUN_REPORT_FILE,
  RUN_REPORT_TEMPORARY,
  RUN_TRACE_FILE,
  runFolderName,
  runIdOfFolder,
} from './task/run-folder';
export { loadTaskFile } from './task/task-file';
export { parseTaskText } from './task/task-text';
export { URL_SOURCE } from './urls/url-source';
export {
  type BackendCapacity,
  type Constraints,
  LIMIT_BEHAVIORS,
  type LimitBehavior,
  type Resolution,
  type ResolveOptions,
  type SkippedContainer,
} from './constraints/constraints';
export { resolveConstraints } from './constraints/resolve-constraints';
export {
  type AttemptPaths,
  Backend,
  type BackendCapabilities,
  type BackendEvent,
  type BackendProbe,
  type EndReason,
  type ExecutionInput,
  type ExecutionRequest,
  type ExecutionResult,
  type FileOwner,
  type ManagedResource,
  type ReattachStreams,
} from './backend/backend';
export {
  DEFAULT_USAGE_INTERVAL_SECONDS,
  MAX_USAGE_INTERVAL_SECONDS,
  MIN_USAGE_INTERVAL_SECONDS,
  type ResourceUsage,
  USAGE_REPORTING,
  type UsageReporting,
  type UsageSample,
} from './backend/resource-usage';
export { BackendRegistry, registerBackend } from './backend/backend-registry';
export { type BackendPlugin, defineBackendPlugin } from './backend/backend-plugin';
export { namedBackend } from './backend/named-backend';
export { createDiskFolders, type DiskFolder, planDiskFolders, sanitiseMountPoint } from './backend/attempt-disks';
export { CAPABILITY_NAME, DEFAULT_CAP_DROP } from './backend/container-hardening';
export { redactUrl } from './urls/redact-url';
export { guardedObjectBody, objectFolderPrefix, type ObjectRead, type ObjectStore, ObjectStoreFailure, type ObjectStoreFailureKind, type StoredObject, singleObjectName } from './storage/object-store';
export { hintWarnings, memoryWarnings, SMALL_MEMORY_BYTES, taskWarnings } from './task/task-warnings';
export { ATTEMPT_VARIABLE, TASK_ROOT_VARIABLE, TASK_VARIABLES } from './task/task-variables';
export { objectKeysAt, type SchemaSetting, schemaSettings, unwrapSchema } from './schema/schema-shape';
