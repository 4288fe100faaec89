// First-party only (@capstan/* projects): helpers Capstan's own libraries share. Not part of the public API, no
// stability promise; third-party code imports @capstan/docker-api instead (the lint refuses this entry point outside).
export { runAttemptContainer } from './attempt-container';
export { captureContainerOutput, type OutputFiles, type OutputListener } from './container-output';
export { effectiveIdentity, grantFolderAccess, grantFolderAccessTo } from './container-user';
export { type DaemonFacts, probeDaemon } from './daemon-probe';
export { DAEMON_FACTS_TTL_MS, daemonFactsCache, socketFactsCache } from './daemon-facts-cache';
export { type DaemonDescription } from './daemon-unavailable';
export { DockerClient } from './docker-client';
export { type EndpointDefaults, resolveDockerEndpoint } from './docker-endpoint';
export { dockerErrorInfo } from './docker-error';
export { createDiskFolders, type DiskFolder } from './extra-disks';
export { ImagePuller } from './image-puller';
export { DOCKER_HUB, parseImageReference } from './image-reference';
export { ImageResolver } from './image-resolver';
export { readJsonLines } from './json-lines';
export { repairOwnership } from './ownership-repair';
export { type PullMessage, pullStreamError } from './pull-progress';
export { type RegistryAuth, RegistryCredentials } from './registry-credentials';
export { DockerStreamDemuxer } from './stream-demuxer';
export { buildAttemptContainerSpec, memoryLimitBytes, MIN_MEMORY_LIMIT_BYTES } from './attempt-container-spec';
export { configCheck, engineApiOptionsShape, livenessOf, oneEngineAddress, parseEngineOptions } from './engine-options';
export { reattachAttemptContainer } from './reattach-container';
export { HostPathDockerClient } from './host-path-client';
export { HostPathResolver, toHostPaths } from './host-path-resolver';
export { type AttemptBind, attemptBinds, type BindSource } from './host-paths';
export { type ContainerEnvironment } from './own-container';
export { attemptLogConfig, dockerLocalLog, podmanFileLog } from './log-copy';
export { type AttemptPipeline, type ImageCandidates, type PipelineOptions, type ReadyAttempt, runAttemptPipeline } from './attempt-pipeline';
