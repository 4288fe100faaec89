export * from './apptainer-backend';
export * from './apptainer-backend-options';
export * from './register-apptainer-backend';
export { type CliFlavour, type CliVersion, parseVersion, probeVersion, escapeEnvValue } from './apptainer-cli';
export { type CgroupSupport, detectCgroups } from './cgroups';
export { buildExecPlan, type ExecPlan, type Privileges } from './exec-plan';
export { FileLock } from './file-lock';
export { cacheKey, isLoopbackRegistry, type RemoteImage, toRemoteImage } from './image-reference';
export { type CachedImage, type EnsureOptions, SifCache, type SifCacheSettings } from './sif-cache';
