// The public API of @capstan/apptainer-runner (reviewed in api/apptainer-runner.api.md): named exports only.
export { ApptainerBackend, type ApptainerBackendDependencies, type HostResources } from './apptainer-backend';
export {
  type ApptainerBackendOptions,
  type ApptainerBackendOptionsInput,
  apptainerBackendOptionsSchema,
  parseApptainerBackendOptions,
  type SifPullPolicy,
} from './apptainer-backend-options';
export { registerApptainerBackend } from './register-apptainer-backend';
export { apptainerBackendPlugin } from './apptainer-backend-plugin';
export { type CliFlavour, type CliVersion, probeVersion } from './apptainer-cli';
export { type CgroupSupport } from './cgroups';
export { buildExecPlan, type ExecPlan, type Privileges } from './exec-plan';
export { SparePool } from './spare-pool';
export { type RemoteImage, toRemoteImage } from './image-reference';
export { type CachedImage, type EnsureOptions, SifCache, type SifCacheSettings } from './sif-cache';
