export { folderPerTest } from './folder-per-test';
export { recordingClock } from './recording-clock';
export { until } from './until';
