import { CapstanError, ErrorCode, parseWithSchema } from '@capstan/core-constraints';
import {
  type TesListTasksResponse,
  tesCancelTaskResponseSchema,
  tesCreateTaskResponseSchema,
  tesListTasksResponseSchema,
  type TesServiceInfo,
  tesServiceInfoSchema,
  type TesTaskInView,
  tesTaskInViewSchema,
  type TesView,
} from '@capstan/tes-model';
import { type z } from 'zod';
import { type TesAuth } from '../tes-backend-options';
import { parseRetryAfter, type RetryPolicy, TransientFailure, withRetries } from './retry-policy';
import { type RequestLine, serverError } from './server-error';

export interface TesClientSettings {
  /** The API base, without a trailing slash. */
  readonly url: string;
  readonly auth: TesAuth;
  readonly requestTimeoutMs: number;
  readonly retry: RetryPolicy;
}

export interface ListTasksParams {
  /** tag_key/tag_value pairs; an empty value matches any value (the spec's rule). */
  readonly tags: Readonly<Record<string, string>>;
  readonly view: TesView;
  readonly pageSize: number;
  readonly pageToken?: string | undefined;
}

export interface CallOptions {
  readonly signal?: AbortSignal | undefined;
  /** Overrides the retries of the settings (a probe tries once). */
  readonly retries?: number;
}

/**
 * The TES v1.1 HTTP API, as a client: every answer validated with tes-model's schemas; network errors, timeouts, 5xx
 * and 429 retried with backoff; other 4xx turned into CapstanErrors that name the field the server complains about.
 * Credentials go only into the Authorization header and are removed from anything quoted in an error.
 */
export class TesHttpClient {
  private readonly authorization: string | undefined;
  private readonly secrets: readonly string[];

  constructor(
    readonly settings: TesClientSettings,
    private readonly fetchImpl: typeof fetch = globalThis.fetch,
  ) {
    const auth = settings.auth;
    if (auth.type === 'bearer') {
      this.authorization = `Bearer ${auth.token}`;
      this.secrets = [auth.token];
    } else if (auth.type === 'basic') {
      const encoded = Buffer.from(`${auth.username}:${auth.password}`).toString('base64');
      this.authorization = `Basic ${encoded}`;
      this.secrets = [auth.password, encoded];
    } else {
      this.authorization = undefined;
      this.secrets = [];
    }
  }

  serviceInfo(options: CallOptions = {}): Promise<TesServiceInfo> {
    return this.call({ method: 'GET', endpoint: '/service-info' }, tesServiceInfoSchema, 'tesServiceInfo', options);
  }

  getTask(id: string, view: TesView, options: CallOptions = {}): Promise<TesTaskInView> {
    return this.call({ method: 'GET', endpoint: `/tasks/${encodeURIComponent(id)}`, query: new URLSearchParams({ view }) }, tesTaskInViewSchema, 'tesTask', options);
  }

  listTasks(params: ListTasksParams, options: CallOptions = {}): Promise<TesListTasksResponse> {
    const query = new URLSearchParams({ view: params.view, page_size: String(params.pageSize) });
    for (const [key, value] of Object.entries(params.tags)) {
      query.append('tag_key', key);
      query.append('tag_value', value);
    }
    if (params.pageToken !== undefined) query.set('page_token', params.pageToken);
    return this.call({ method: 'GET', endpoint: '/tasks', query }, tesListTasksResponseSchema, 'tesListTasksResponse', options);
  }

  async cancelTask(id: string, options: CallOptions = {}): Promise<void> {
    await this.call({ method: 'POST', endpoint: `/tasks/${encodeURIComponent(id)}:cancel`, body: {} }, tesCancelTaskResponseSchema, 'tesCancelTaskResponse', options);
  }

  /**
   * One POST /tasks, not retried: creating is not idempotent, so the caller decides how to retry (see
   * `submitTask`). Throws a {@link TransientFailure} when a retry may help.
   */
  async createTaskOnce(body: unknown, signal?: AbortSignal): Promise<string> {
    const answer = await this.once({ method: 'POST', endpoint: '/tasks', body }, tesCreateTaskResponseSchema, 'tesCreateTaskResponse', signal);
    return answer.id;
  }

  get retryPolicy(): RetryPolicy {
    return this.settings.retry;
  }

  /** The error for a request that failed transiently `tries` times. */
  gaveUp(request: RequestLine, failure: TransientFailure, tries: number): CapstanError {
    const code = failure.status === undefined ? ErrorCode.BackendUnavailable : ErrorCode.BackendFailure;
    return new CapstanError(
      code,
      `${request.method} ${request.endpoint} to the TES server at ${this.settings.url} failed ${tries === 1 ? 'once' : `${tries} times`} (last: ${this.redact(failure.message)}); check that the server runs and that tes.url points at it`,
      { details: { transient: true, request: `${request.method} ${request.endpoint}`, ...(failure.status === undefined ? {} : { status: failure.status }) } },
    );
  }

  /** Removes credentials from text taken from elsewhere (a server's message, a network error). */
  redact(text: string): string {
    return this.secrets.reduce((result, secret) => result.split(secret).join('[redacted]'), text);
  }

  private call<T>(request: HttpRequest, schema: z.ZodType<T>, what: string, options: CallOptions): Promise<T> {
    const policy = options.retries === undefined ? this.settings.retry : { ...this.settings.retry, retries: options.retries };
    return withRetries(() => this.once(request, schema, what, options.signal), policy, (failure, tries) => this.gaveUp(request, failure, tries), options.signal);
  }

  private async once<T>(request: HttpRequest, schema: z.ZodType<T>, what: string, signal: AbortSignal | undefined): Promise<T> {
    const timeout = AbortSignal.timeout(this.settings.requestTimeoutMs);
    const combined = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
    const url = `${this.settings.url}${request.endpoint}${request.query === undefined ? '' : `?${request.query.toString()}`}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.authorization !== undefined) headers['authorization'] = this.authorization;
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    let status: number;
    let statusText: string;
    let text: string;
    let retryAfter: string | null;
    try {
      // Redirects are not followed: one could carry the Authorization header to another host.
      const response = await this.fetchImpl(url, {
        method: request.method,
        headers,
        redirect: 'manual',
        signal: combined,
        ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      });
      ({ status, statusText } = response);
      retryAfter = response.headers.get('retry-after');
      text = await response.text();
      if (status >= 300 && status < 400) {
        const location = response.headers.get('location') ?? 'elsewhere';
        throw new CapstanError(ErrorCode.BackendUnavailable, `the TES server answered ${request.method} ${request.endpoint} with ${status}, a redirect to ${location}; set tes.url to the address it redirects to (redirects are not followed, so credentials stay with the configured host)`);
      }
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (timeout.aborted) throw new TransientFailure(`no answer within ${this.settings.requestTimeoutMs} ms`);
      if (error instanceof CapstanError) throw error;
      throw new TransientFailure(networkReason(error));
    }
    if (status === 429 || status >= 500) throw new TransientFailure(`${status}${statusText === '' ? '' : ` ${statusText}`}${firstLine(text)}`, status, parseRetryAfter(retryAfter));
    if (status >= 400) throw serverError(status, statusText, text, request, (value) => this.redact(value));
    return this.validate(text, schema, what, request);
  }

  private validate<T>(text: string, schema: z.ZodType<T>, what: string, request: RequestLine): T {
    const fail = (problem: string): never => {
      throw new CapstanError(ErrorCode.BackendFailure, `the TES server's answer to ${request.method} ${request.endpoint} is not a valid ${what}: ${this.redact(problem)}; is tes.url a TES v1.1 server?`);
    };
    let json: unknown;
    try {
      json = text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      return fail(`it is not JSON (${firstLine(text).slice(2) || 'empty'})`);
    }
    try {
      return parseWithSchema(schema, json, null);
    } catch (error) {
      if (!(error instanceof CapstanError)) throw error;
      return fail(`${error.path ?? 'the answer'}: ${error.message}`);
    }
  }
}

interface HttpRequest extends RequestLine {
  readonly query?: URLSearchParams;
  readonly body?: unknown;
}

/**
 * `connect ECONNREFUSED 127.0.0.1:8000` rather than fetch's bare "fetch failed". Read by shape, not `instanceof`:
 * fetch's errors may come from another realm (a test runner's sandbox).
 */
function networkReason(error: unknown): string {
  const cause = field(error, 'cause');
  const causeMessage = field(cause, 'message');
  if (typeof causeMessage === 'string' && causeMessage !== '') return causeMessage;
  const causeCode = field(cause, 'code');
  if (typeof causeCode === 'string') return causeCode;
  const message = field(error, 'message');
  return typeof message === 'string' && message !== '' ? message : String(error);
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0]?.trim() ?? '';
  return line === '' ? '' : `: ${line.slice(0, 200)}`;
}
