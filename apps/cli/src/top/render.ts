import { formatBytes } from '@capstan/core-constraints';
import { formatDuration } from '../output/duration';
import { fit, printable } from './terminal-text';
import { FILTERS, selectedTask, type TopTask, type TopView, visibleTasks } from './top-view';

/** A frame: `height` lines of at most `width` cells each, and which of them is the selected row. */
export interface Frame {
  readonly lines: readonly string[];
  readonly highlight?: number;
}

const KEYS = {
  list: '↑/↓ select  f filter  enter log  c cancel  q quit',
  more: '↑/↓ select (↓ at the end loads more)  f filter  enter log  c cancel  q quit',
  log: 'enter/esc back to the list  q quit',
  confirm: 'y cancel it  any other key keeps it',
} as const;

// Column widths before the last output, which takes what is left.
const COLUMNS = [
  ['STATE', 10],
  ['ELAPSED', 12],
  ['CPU%', 7],
  ['MEM', 10],
  ['TASK', 28],
] as const;

/** The screen for `view`, as plain text: every task-given text made printable, every line cut to the width. */
export function renderTop(view: TopView): Frame {
  const width = Math.max(20, view.width);
  const height = Math.max(5, view.height);
  const body = height - 4;
  const header = headerLine(view);
  const footer = footerLines(view);
  if (view.mode === 'log') return frame([header, ...logLines(view, body + 1)], footer, width, height);
  const rows = visibleTasks(view);
  const selected = selectedTask(view);
  const at = Math.max(0, rows.findIndex((task) => task.key === selected?.key));
  // The window scrolls to keep the selection in sight.
  const first = Math.min(Math.max(0, at - body + 1), Math.max(0, rows.length - body));
  const shown = rows.slice(first, first + body).map((task) => row(task, view.now));
  const empty = rows.length === 0 ? [view.tasks.length === 0 ? '  no tasks' : `  no ${view.filter} tasks (f shows the next filter)`] : [];
  const titles = `  ${COLUMNS.map(([title, size]) => fit(title, size)).join(' ')} LAST OUTPUT`;
  return { ...frame([header, titles, ...shown, ...empty], footer, width, height), ...(rows.length === 0 ? {} : { highlight: 2 + at - first }) };
}

function headerLine(view: TopView): string {
  const counts = new Map<string, number>();
  view.tasks.forEach((task) => counts.set(task.group, (counts.get(task.group) ?? 0) + 1));
  const summary = FILTERS.slice(1).filter((group) => counts.has(group)).map((group) => `${counts.get(group)} ${group}`).join(', ');
  const clock = new Date(view.now).toISOString().slice(11, 19);
  return `capstan top - ${printable(view.source)} - ${view.tasks.length} task${view.tasks.length === 1 ? '' : 's'}${summary === '' ? '' : ` (${summary})`}${pagingText(view)} - filter: ${view.filter} - ${clock} UTC`;
}

/** What part of a paged list is loaded: nothing to say while it is all of it. */
function pagingText({ paging }: TopView): string {
  if (paging === undefined || (!paging.more && paging.skipped === 0)) return '';
  const skipped = paging.skipped === 0 ? '' : ` (${paging.skipped} skipped, g: newest)`;
  return ` loaded${skipped}, ${paging.more ? 'more on the server' : 'no more'}`;
}

function footerLines(view: TopView): [string, string] {
  const selected = selectedTask(view);
  const message =
    view.mode === 'confirm' && selected !== undefined
      ? `cancel task ${printable(selected.name)} (${printable(selected.state).toLowerCase()})? y/n`
      : (view.problem ?? view.status ?? '');
  return [printable(message), KEYS[view.mode === 'list' && view.paging?.more === true ? 'more' : view.mode]];
}

function row(task: TopTask, now: number): string {
  const ended = task.endedAt ?? now;
  const cells = [
    printable(task.state).toLowerCase(),
    task.since === undefined ? '-' : formatDuration(Math.max(0, ended - task.since)),
    task.cpuPercent === undefined ? '-' : task.cpuPercent.toFixed(task.cpuPercent < 10 ? 1 : 0),
    task.memoryBytes === undefined ? '-' : formatBytes(task.memoryBytes),
    printable(task.name),
  ];
  const fixed = `  ${COLUMNS.map(([, size], index) => fit(cells[index] ?? '', size)).join(' ')} `;
  return fixed + printable(task.lastLine ?? '');
}

function logLines(view: TopView, room: number): string[] {
  const selected = selectedTask(view);
  const title = `log of ${printable(selected?.name ?? '?')} (${printable(selected?.state ?? '?')}), stdout and stderr, last lines:`;
  const lines = view.log === undefined || view.log.key !== selected?.key ? ['  reading...'] : view.log.lines.length === 0 ? ['  (no output yet)'] : view.log.lines.map((line) => `  ${printable(line)}`);
  return [title, ...lines.slice(-(room - 1))];
}

function frame(top: readonly string[], footer: readonly string[], width: number, height: number): Frame {
  const middle = Math.max(0, height - footer.length - top.length);
  const lines = [...top.slice(0, height - footer.length), ...Array<string>(middle).fill(''), ...footer];
  return { lines: lines.map((line) => fit(line, width).trimEnd()) };
}
