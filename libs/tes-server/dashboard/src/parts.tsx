import { FAILED_STATES } from './api';

export function when(time: string | undefined): string {
  if (time === undefined || time === '') return '';
  const date = new Date(time);
  return Number.isNaN(date.getTime()) ? time : date.toLocaleString();
}

export function StateBadge(props: { state: string | undefined }) {
  const state = props.state ?? 'UNKNOWN';
  const kind = FAILED_STATES.includes(state) ? 'failed' : state === 'COMPLETE' ? 'done' : state === 'RUNNING' || state === 'INITIALIZING' ? 'running' : 'other';
  return <span class={`state ${kind}`} data-state={state}>{state}</span>;
}

export function bytes(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let size = value;
  let unit = 0;
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? size : size.toFixed(1)} ${units[unit]}`;
}
