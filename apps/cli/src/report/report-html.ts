import { RUN_REPORT_FILE } from '@capstan/core-constraints';
import { replaceFileAtomically } from '@capstan/task-files';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { formatDuration } from '../output/duration';
import { type ReportData, type ReportFailure, readReportData } from './report-data';
import { REPORT_SCRIPT } from './report-script';
import { REPORT_STYLE } from './report-style';
import { type TraceRow } from './trace-format';

export const REPORT_FILE = RUN_REPORT_FILE;

/** Builds the run folder's report.html from its run.json and trace.tsv, replacing the one there. Returns its path. */
export async function writeReport(runPath: string, runId: string): Promise<string> {
  const html = reportHtml(await readReportData(runPath, runId));
  await replaceFileAtomically(runPath, REPORT_FILE, html);
  return join(runPath, REPORT_FILE);
}

/**
 * One self-contained page: uPlot and its CSS inlined, the data as JSON in a script element that does not run, and a
 * CSP that allows only these two inline blocks (by hash) and no request of any kind. Every task-controlled string
 * is HTML-escaped where it is markup and `<`-escaped where it is JSON.
 */
export function reportHtml(data: ReportData): string {
  const script = `${uplotAsset('uPlot.iife.min.js')}\n${REPORT_SCRIPT}`;
  const style = `${uplotAsset('uPlot.min.css')}\n${REPORT_STYLE}`;
  const csp = `default-src 'none'; script-src '${sha256(script)}'; style-src '${sha256(style)}'; img-src data:; base-uri 'none'; form-action 'none'`;
  const json = JSON.stringify({ runId: data.runId, rows: data.rows }).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Capstan run ${escapeHtml(data.runId)}</title>
<style>${style}</style>
</head><body>
<h1>Capstan run <span id="run-id">${escapeHtml(data.runId)}</span></h1>
${summaryHtml(data)}
<h2>Timeline</h2>
<p class="legend"><span class="bar queued"></span> queued <span class="bar pulling"></span> pulling and starting <span class="bar running"></span> running <span class="bar running failed"></span> running, failed</p>
<div id="timeline"></div>
<h2>CPU per attempt, against its request</h2>
<div id="cpu-chart" class="chart"></div>
<h2>Peak memory per attempt, against its request</h2>
<div id="memory-chart" class="chart"></div>
<h2>Failures (${data.failures.length})</h2>
${data.failures.map((failure) => failureHtml(failure, data.failures.length <= OPEN_FAILURES)).join('\n')}
<h2>Attempts</h2>
<table id="attempts"><thead><tr>${ATTEMPT_COLUMNS.map(([title]) => `<th>${title}</th>`).join('')}</tr></thead><tbody>
${data.rows.map((row) => `<tr data-task="${escapeHtml(row.unique_name)}" data-attempt="${escapeHtml(row.attempt)}">${ATTEMPT_COLUMNS.map(([, cell]) => `<td>${escapeHtml(cell(row))}</td>`).join('')}</tr>`).join('\n')}
</tbody></table>
<script type="application/json" id="capstan-data">${json}</script>
<script>${script}</script>
</body></html>
`;
}

const ATTEMPT_COLUMNS: readonly (readonly [string, (row: TraceRow) => string])[] = [
  ['task', (row) => row.task],
  ['attempt', (row) => row.attempt],
  ['backend', (row) => row.backend],
  ['image', (row) => row.image],
  ['exit', (row) => row.exit_code],
  ['end reason', (row) => row.end_reason],
  ['queued', (row) => ms(row.queue_ms)],
  ['pull', (row) => ms(row.pull_ms)],
  ['wall', (row) => ms(row.wall_ms)],
  ['CPU %', (row) => row.cpu_percent],
  ['CPU asked', (row) => row.cpu_request],
  ['peak memory', (row) => mib(row.peak_memory_bytes)],
  ['memory asked', (row) => mib(row.memory_request_bytes)],
];

/** Up to this many failures are shown open; more are folded, one line each, so a large run's page stays readable. */
const OPEN_FAILURES = 10;

function failureHtml(failure: ReportFailure, open: boolean): string {
  const title = `${failure.uniqueName} attempt ${failure.attempt}: ${failure.endReason}${failure.exitCode === '' ? '' : `, exit ${failure.exitCode}`}`;
  return `<details class="failure" data-task="${escapeHtml(failure.uniqueName)}"${open ? ' open' : ''}><summary>${escapeHtml(title)}</summary><pre>${escapeHtml(failure.stderrTail) || '(no stderr)'}</pre></details>`;
}

function summaryHtml(data: ReportData): string {
  const record = data.record;
  const states = new Map<string, number>();
  for (const task of record?.tasks ?? []) states.set(task.state, (states.get(task.state) ?? 0) + 1);
  const tasks = new Set(data.rows.map((row) => row.unique_name)).size;
  const duration = record?.endedAt ? formatDuration(Date.parse(record.endedAt) - Date.parse(record.startedAt)) : 'unfinished';
  const items: [string, string][] = [
    ['started', record?.startedAt ?? '-'],
    ['ended', record?.endedAt ?? '-'],
    ['duration', duration],
    ['host', record?.host ?? '-'],
    ['tasks', String(record?.taskCount ?? tasks)],
    ['attempts', String(data.rows.length)],
    ['states', [...states].map(([state, count]) => `${count} ${state}`).join(', ') || '-'],
  ];
  return `<dl id="summary">${items.map(([key, value]) => `<dt>${key}</dt><dd data-key="${key}">${escapeHtml(value)}</dd>`).join('')}</dl>`;
}

function ms(value: string): string {
  return value === '' ? '' : `${(Number(value) / 1000).toFixed(1)} s`;
}

function mib(value: string): string {
  return value === '' ? '' : `${(Number(value) / 1048576).toFixed(1)} MiB`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function sha256(text: string): string {
  return `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;
}

/**
 * uPlot's chart options, which the page's script builds. The package's dist files are read and inlined, never
 * imported, so this type is what names it among the CLI's dependencies (tools/packages derives them from imports).
 */
export type { Options as ChartOptions } from 'uplot';

// Read from the installed uplot package when a report is written, so the CLI's bundle does not carry it. The
// workspace's bundle and jest have a require; the published package's ES modules resolve from its bin, which sits
// beside the package's dependencies.
function uplotAsset(name: string): string {
  const resolver = typeof require === 'function' ? require : createRequire(process.argv[1] ?? join(process.cwd(), 'capstan'));
  return readFileSync(resolver.resolve(`uplot/dist/${name}`), 'utf8');
}
