export { recordingClock } from './recording-clock';
export { until } from './until';
