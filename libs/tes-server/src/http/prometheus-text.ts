// The Prometheus text exposition format (version 0.0.4): `# HELP` and `# TYPE` lines, then one sample per line.

import { type HistogramSnapshot } from '../service/histogram';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  readonly labels: Labels;
  readonly value: number;
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function formatLabels(labels: Labels): string {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${escapeLabelValue(value)}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

function header(name: string, help: string, type: 'gauge' | 'counter' | 'histogram'): string[] {
  return [`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`];
}

function sampleLine(name: string, labels: Labels, value: number): string {
  return `${name}${formatLabels(labels)} ${formatValue(value)}`;
}

export function renderGauge(name: string, help: string, samples: readonly Sample[]): string[] {
  return [...header(name, help, 'gauge'), ...samples.map((sample) => sampleLine(name, sample.labels, sample.value))];
}

/** A counter; `name` ends in `_total`, as the format's conventions ask. */
export function renderCounter(name: string, help: string, samples: readonly Sample[]): string[] {
  return [...header(name, help, 'counter'), ...samples.map((sample) => sampleLine(name, sample.labels, sample.value))];
}

/**
 * A histogram (upper bounds ascending; `+Inf` is added): cumulative `_bucket` counts, then `_sum` and `_count`.
 */
export function renderHistogram(name: string, help: string, histogram: HistogramSnapshot): string[] {
  let cumulative = 0;
  const buckets = histogram.bounds.map((bound, index) => {
    cumulative += histogram.counts[index] ?? 0;
    return sampleLine(`${name}_bucket`, { le: formatValue(bound) }, cumulative);
  });
  return [
    ...header(name, help, 'histogram'),
    ...buckets,
    sampleLine(`${name}_bucket`, { le: '+Inf' }, histogram.count),
    sampleLine(`${name}_sum`, {}, histogram.sum),
    sampleLine(`${name}_count`, {}, histogram.count),
  ];
}
