/** What the rows are sorted and filtered by, whatever the source calls its states. */
export type StateGroup = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled';

/** One task as a source sees it; text fields are the source's own (untrusted) and are made printable when drawn. */
export interface TopTask {
  /** Unique within the source: what cancel and the log tail are asked by. */
  readonly key: string;
  readonly name: string;
  /** The source's word for its state (TES `RUNNING`, a run's `running`). */
  readonly state: string;
  readonly group: StateGroup;
  /** When it started running, else when it was submitted (ms since the epoch). */
  readonly since?: number;
  readonly endedAt?: number;
  readonly cpuPercent?: number;
  readonly memoryBytes?: number;
  readonly lastLine?: string;
}

/** The state filters, in the order `f` steps through them. */
export const FILTERS = ['all', 'running', 'queued', 'succeeded', 'failed', 'canceled'] as const;
export type Filter = (typeof FILTERS)[number];

export type Mode = 'list' | 'log' | 'confirm';

/** How much of a paged source's list is loaded: `more` when the list goes on, `skipped` tasks dropped to stay bounded. */
export interface Paging {
  readonly loaded: number;
  readonly more: boolean;
  readonly skipped: number;
}

export interface TopView {
  /** What top is attached to (`server http://...`, `this host`). */
  readonly source: string;
  readonly tasks: readonly TopTask[];
  readonly filter: Filter;
  /** The selected task's key: it stays selected while rows move. */
  readonly selected?: string;
  readonly mode: Mode;
  /** The selected task's log tail, once read. */
  readonly log?: { readonly key: string; readonly lines: readonly string[] };
  /** The answer to the last action (a cancel sent, a failure). */
  readonly status?: string;
  /** Why the source shows nothing new (the server stopped answering). */
  readonly problem?: string;
  /** A paged source's window on its list (a server's); absent for one that shows every task. */
  readonly paging?: Paging;
  readonly width: number;
  readonly height: number;
  readonly now: number;
}

/** What a key asks of the command besides a new view. */
export type Effect = 'quit' | 'cancel' | 'open-log' | 'more' | 'rewind';

export interface Key {
  readonly name?: string;
  readonly sequence?: string;
  readonly ctrl?: boolean;
  /** readline names a capital letter by its small one, with shift. */
  readonly shift?: boolean;
}

const ORDER: Readonly<Record<StateGroup, number>> = { running: 0, queued: 1, failed: 2, canceled: 3, succeeded: 4 };

/** The rows shown: the filter's, running first, then queued, then ended ones newest first. */
export function visibleTasks(view: Pick<TopView, 'tasks' | 'filter'>): TopTask[] {
  return view.tasks
    .filter((task) => view.filter === 'all' || task.group === view.filter)
    .sort((a, b) => ORDER[a.group] - ORDER[b.group] || (b.since ?? 0) - (a.since ?? 0) || a.key.localeCompare(b.key));
}

/** The selected row's task: the chosen one while it is shown, else the first row. */
export function selectedTask(view: TopView): TopTask | undefined {
  const rows = visibleTasks(view);
  return rows.find((task) => task.key === view.selected) ?? rows[0];
}

/** The view after a key, and what the command must do for it. */
export function onKey(view: TopView, key: Key): { view: TopView; effect?: Effect } {
  const name = key.shift === true && key.name !== undefined && key.name.length === 1 ? key.name.toUpperCase() : (key.name ?? key.sequence);
  if (key.ctrl === true && name === 'c') return { view, effect: 'quit' };
  if (view.mode === 'confirm') {
    const { status: _dropped, ...rest } = view;
    return name === 'y' ? { view: { ...rest, mode: 'list' }, effect: 'cancel' } : { view: { ...rest, mode: 'list', status: 'cancel not sent' } };
  }
  if (name === 'q') return { view, effect: 'quit' };
  if (view.mode === 'log') {
    return name === 'escape' || name === 'return' || name === 'enter' || name === 'l' || name === 'backspace' ? { view: { ...view, mode: 'list' } } : { view };
  }
  const rows = visibleTasks(view);
  const at = Math.max(0, rows.findIndex((task) => task.key === selectedTask(view)?.key));
  const select = (index: number): { view: TopView } => {
    const task = rows[Math.min(Math.max(index, 0), rows.length - 1)];
    return { view: task === undefined ? view : { ...view, selected: task.key } };
  };
  switch (name) {
    case 'up':
    case 'k':
      return select(at - 1);
    case 'down':
    case 'j':
      // Past the last row of a list that goes on: the next page.
      return at >= rows.length - 1 && view.paging?.more === true ? { ...select(at + 1), effect: 'more' } : select(at + 1);
    case 'home':
    case 'g':
      return (view.paging?.skipped ?? 0) > 0 ? { ...select(0), effect: 'rewind' } : select(0);
    case 'end':
    case 'G':
      return select(rows.length - 1);
    case 'f':
    case 'tab': {
      const filter = FILTERS[(FILTERS.indexOf(view.filter) + 1) % FILTERS.length] as Filter;
      return { view: { ...view, filter } };
    }
    case 'return':
    case 'enter':
    case 'l':
      return rows.length === 0 ? { view } : { view: { ...view, mode: 'log', selected: rows[at]?.key }, effect: 'open-log' };
    case 'c':
      return rows.length === 0 ? { view } : { view: { ...view, mode: 'confirm', selected: rows[at]?.key } };
    default:
      return { view };
  }
}
