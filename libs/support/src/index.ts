export { CachedProbe } from './cached-probe';
export { DiskCache, type DiskCacheOptions, fileIdentity } from './disk-cache';
export { canceledBeforeStart } from './canceled-before-start';
export { EXIT_CODE_BY_ERROR, ExitCode, exitCodeFor } from './exit-codes';
export { countNvidiaDevices, type GpuCounter } from './gpu-devices';
export { assertInputExists, assertInputsExist } from './input-check';
export { CapstanLabel, LABEL_PREFIX, MANAGED_VALUE } from './label-keys';
export { abortableWait, backoffDelay, parseRetryAfter, retry, retryDelay, systemClock, type RetryClock, type RetryOptions, type RetryPolicy } from './retry';
export { shellQuote } from './shell-quote';
