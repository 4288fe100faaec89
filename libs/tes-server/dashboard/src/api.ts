// The dashboard's calls to the TES API beside it: the token from sessionStorage as a bearer header, never a cookie.
const TOKEN_KEY = 'capstan.dashboard.token';
export const TES = 'ga4gh/tes/v1';

export function storedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function storeToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

export function authHeaders(): Record<string, string> {
  const token = storedToken();
  return token === null ? {} : { authorization: `Bearer ${token}` };
}

/** An answer the API refused: its status and the server's own message (the error body's `msg`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function callApi<T>(path: string, init: { method?: string; signal?: AbortSignal } = {}): Promise<T> {
  const response = await fetch(path, { method: init.method ?? 'GET', headers: { ...authHeaders(), accept: 'application/json' }, ...(init.signal ? { signal: init.signal } : {}) });
  const text = await response.text();
  if (!response.ok) throw new ApiError(response.status, messageOf(text) ?? `${response.status} ${response.statusText}`);
  return (path.endsWith('metrics') ? text : JSON.parse(text)) as T;
}

function messageOf(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { msg?: unknown; message?: unknown };
    const message = body.msg ?? body.message;
    return typeof message === 'string' ? message : undefined;
  } catch {
    return text === '' ? undefined : text.slice(0, 300);
  }
}

/** What a refused call means to the person at the page. */
export function explain(error: unknown): string {
  if (error instanceof ApiError && error.status === 401) return `The server refused the token (401): ${error.message}. Enter the token the server was started with.`;
  if (error instanceof ApiError && error.status === 403) return `This token may not do that (403): ${error.message}`;
  if (error instanceof ApiError) return `The server answered ${error.status}: ${error.message}`;
  return `The server could not be reached: ${error instanceof Error ? error.message : String(error)}`;
}

export interface TesExecutorLog {
  readonly start_time?: string;
  readonly end_time?: string;
  readonly stdout?: string;
  readonly stderr?: string;
  readonly exit_code?: number;
}

export interface TesTask {
  readonly id: string;
  readonly state?: string;
  readonly name?: string;
  readonly description?: string;
  readonly creation_time?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly executors?: readonly { image: string; command: readonly string[]; workdir?: string }[];
  readonly inputs?: readonly { name?: string; url?: string; path: string; type?: string }[];
  readonly outputs?: readonly { name?: string; url: string; path: string; type?: string }[];
  readonly resources?: Readonly<Record<string, unknown>>;
  readonly logs?: readonly {
    readonly start_time?: string;
    readonly end_time?: string;
    readonly logs?: readonly TesExecutorLog[];
    readonly outputs?: readonly { url: string; path: string; size_bytes: string }[];
    readonly system_logs?: readonly string[];
    readonly metadata?: Readonly<Record<string, string>>;
  }[];
}

export interface TesList {
  readonly tasks: TesTask[];
  readonly next_page_token?: string;
}

export const STATES = ['QUEUED', 'INITIALIZING', 'RUNNING', 'PAUSED', 'COMPLETE', 'EXECUTOR_ERROR', 'SYSTEM_ERROR', 'CANCELING', 'CANCELED', 'PREEMPTED', 'UNKNOWN'] as const;
export const FAILED_STATES: readonly string[] = ['EXECUTOR_ERROR', 'SYSTEM_ERROR', 'PREEMPTED'];
