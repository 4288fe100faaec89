export { CachedProbe } from './cached-probe';
export { canceledBeforeStart } from './canceled-before-start';
export { EXIT_CODE_BY_ERROR, ExitCode, exitCodeFor } from './exit-codes';
export { countNvidiaDevices, type GpuCounter } from './gpu-devices';
export { assertInputExists, assertInputsExist, type CheckedInput } from './input-check';
export { CapstanLabel, LABEL_PREFIX, MANAGED_VALUE } from './label-keys';
export { abortableWait, backoffDelay, parseRetryAfter, retry, retryDelay, systemClock, type RetryClock, type RetryOptions, type RetryPolicy } from './retry';
export { shellQuote } from './shell-quote';
export { meterAttempt, UsageMeter, type UsageMeterOptions, type UsageReader, type UsageReading } from './usage-meter';
