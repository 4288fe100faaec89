import { type LogRedactor } from './log-redactor';
import { type LogSink } from './tes-http-options';

/** One line of the request log; `route` is the route's template (`/ga4gh/tes/v1/tasks/{id}`), never the raw URL. */
export interface RequestLogLine {
  readonly method: string;
  /** Null when no route matched; `path` then holds the path, without its query string. */
  readonly route: string | null;
  readonly path?: string;
  readonly status: number;
  readonly durationMs: number;
  readonly requestId: string;
  /** Who sent it (the token's principal), on routes that authenticate: the audit trail of several clients. */
  readonly principal?: string;
  readonly taskId?: string;
  readonly error?: { readonly code: string; readonly message: string; readonly stack?: string };
}

function levelOf(status: number): 'info' | 'warn' | 'error' {
  return status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
}

/**
 * The structured request log: one JSON object per line, per request. Each line passes through the redactor, so a
 * token or URL credential that slipped into an error message is masked before it reaches the sink.
 */
export class RequestLog {
  constructor(
    private readonly sink: LogSink,
    private readonly redactor: LogRedactor,
    private readonly now: () => Date = () => new Date(),
  ) {}

  write(line: RequestLogLine): void {
    const record = { time: this.now().toISOString(), level: levelOf(line.status), msg: 'request', ...line, durationMs: Math.round(line.durationMs * 1000) / 1000 };
    this.sink.write(`${this.redactor.redact(JSON.stringify(record))}\n`);
  }
}
