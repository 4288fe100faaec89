import { type Paging, type TopTask } from './top-view';

/** Where top's rows come from: a `capstan serve`, or this host's `capstan run` processes. */
export interface TopSource {
  readonly label: string;
  /** Starts watching; `changed` is called whenever the snapshot may differ. */
  start(changed: () => void): void;
  snapshot(): { readonly tasks: readonly TopTask[]; readonly problem?: string; readonly paging?: Paging };
  /** A paged source: loads more of its list, until a task `wanted` keeps comes in or the list ends. */
  more?(wanted: (task: TopTask) => boolean): Promise<void>;
  /** A paged source: back to its first page alone. */
  rewind?(): void;
  /** The task's last output lines (stdout, then stderr), each as the task wrote it (made printable when drawn). */
  logTail(key: string, lines: number): Promise<string[]>;
  /** Asks for the task's end; says what was done. */
  cancel(key: string): Promise<string>;
  close(): Promise<void>;
}

/** A failure as one short line: the cause's code where fetch hides it in `cause`. */
export function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  // A schema's refusal (zod): its first issue, not the whole list.
  const issue = (error as { issues?: Array<{ path?: unknown[]; message?: unknown }> }).issues?.[0];
  if (issue !== undefined) return `its answer is not TES: ${(issue.path ?? []).join('.')}: ${String(issue.message)}`;
  if (error instanceof Error) return error.name === 'TimeoutError' ? 'no answer within 5 s' : error.message;
  return String(error);
}
