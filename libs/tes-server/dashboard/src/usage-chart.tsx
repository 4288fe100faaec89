import { USAGE_PREFIX } from './server-view';
import { bytes } from './parts';

export interface UsagePoint {
  readonly seconds: number;
  readonly memoryBytes: number | undefined;
  readonly cpuPercent: number | undefined;
}

function line(points: readonly UsagePoint[], value: (point: UsagePoint) => number | undefined): string {
  const known = points.filter((point) => value(point) !== undefined);
  const top = Math.max(1, ...known.map((point) => value(point) ?? 0));
  const end = Math.max(1, ...known.map((point) => point.seconds));
  return known.map((point) => `${((point.seconds / end) * 300).toFixed(1)},${(60 - ((value(point) ?? 0) / top) * 58).toFixed(1)}`).join(' ');
}

/** Memory and CPU over time from the usage events seen on this page, then the totals the task log keeps. */
export function UsageChart(props: { points: readonly UsagePoint[]; metadata: Readonly<Record<string, string>> }) {
  const peak = props.metadata[`${USAGE_PREFIX}peak_memory_bytes`];
  const cpu = props.metadata[`${USAGE_PREFIX}cpu_seconds`];
  const last = props.points[props.points.length - 1];
  return (
    <div id="usage">
      {props.points.length === 0 ? (
        <p>No readings seen on this page yet (they arrive every usage interval while an executor runs).</p>
      ) : (
        <figure>
          <svg viewBox="0 0 300 60" width="600" height="120" role="img" aria-label={`Memory (blue) and CPU % (orange) over ${last?.seconds ?? 0} s`}>
            <polyline class="memory" fill="none" points={line(props.points, (point) => point.memoryBytes)} />
            <polyline class="cpu" fill="none" points={line(props.points, (point) => point.cpuPercent)} />
          </svg>
          <figcaption id="usage-last">
            {props.points.length} readings; last: {bytes(last?.memoryBytes)} memory, {last?.cpuPercent === undefined ? '?' : last.cpuPercent.toFixed(1)}% CPU at {last?.seconds ?? 0} s
          </figcaption>
        </figure>
      )}
      {peak === undefined && cpu === undefined ? null : (
        <p id="usage-totals">
          Peak memory {bytes(Number(peak))}, CPU {cpu ?? '?'} s (from the task log).
        </p>
      )}
    </div>
  );
}
