export { folderPerTest } from './folder-per-test';
export { recordingClock } from './recording-clock';
export { attemptPaths, testConstraints, testRequest, type TestRequestOverrides } from './request-fixture';
export { until } from './until';
export { type SseEvent, SseReader } from './sse-reader';
export { thrownCapstanError } from './thrown-capstan-error';
