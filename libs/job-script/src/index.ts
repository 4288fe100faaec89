// The public API of @capstan/job-script (reviewed in api/job-script.api.md): named exports only. The script a batch
// job runs on a node to run one task in a container, shared by the scheduler backends (slurm, batch).
export { buildJobScript, type JobScriptPlan, type JobStatus, NO_IMAGE_EXIT, parseStatusFile } from './job-script';
export { readContainerUsage } from './container-usage';
export { type CandidateSettings, type ImageCandidate, imageCandidates, isLoopbackRegistry, registryOf, sifCacheKey } from './image-candidates';
export { assertMountablePath, csvField } from './mount-fields';
export { nodeJobCapabilities, type NodeCapabilitySettings } from './node-capabilities';
export { commandArgument, configCheck, nodeOptionsShape } from './node-options';
export { NODE_RUNTIMES, type NodeRuntime } from './node-runtime';
export { jobIdBatches, MAX_JOB_LIST_CHARS } from './job-id-batches';
export { OutputTail } from './output-tail';
export { PollLoop } from './poll-loop';
export { type SubmittedJob } from './submitted-job';
export { jobLogins, type RegistryLogin } from './registry-logins';
export { type NodeSettings, writeJobScript, type WrittenJob } from './write-job-script';
