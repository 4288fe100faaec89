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
export { buildExecPlan, type ExecPlan, type ExecPlanInput, type Privileges } from './exec-plan';
export { type SpareDiagnostics } from './spare-pool';
export { type LocalSource, type LocalSourceSettings } from './local-sources';
export { type RemoteImage, type RemoteKind, toRemoteImage } from './image-reference';
export { type CachedImage, type EnsureOptions, SifCache, type SifCacheSettings } from './sif-cache';
