import {
  DEFAULT_PAGE_SIZE,
  DEFAULT_VIEW,
  MAX_PAGE_SIZE,
  parseListQuery,
  parseView,
  type QueryParameters,
  TES_VIEWS,
  tesStateSchema,
} from '@capstan/tes-model';
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { type TesService } from '../service/tes-service';
import { type EventStreams } from './event-streams';
import { principalOf } from './bearer-auth-hook';
import { pageJson } from './list-budget';
import { PROMETHEUS_CONTENT_TYPE } from './prometheus-text';
import { noteOf } from './request-notes';

export const TES_BASE_PATH = '/ga4gh/tes/v1';
export const METRICS_PATH = '/metrics';
export const EVENTS_PATH = `${TES_BASE_PATH}/events`;

/** The components of the OpenAPI document a route's body or answer may name (see `openapi-document.ts`). */
export type SchemaName = 'tesTask' | 'tesServiceInfo' | 'tesTaskInView' | 'tesListTasksResponse' | 'tesCreateTaskResponse' | 'tesCancelTaskResponse';

export interface ParameterDoc {
  readonly name: string;
  readonly in: 'path' | 'query';
  readonly description: string;
  readonly schema: z.ZodType;
}

export interface OperationDoc {
  readonly operationId: string;
  readonly summary: string;
  readonly description: string;
  readonly tag: 'TaskService' | 'Operations';
  readonly parameters: readonly ParameterDoc[];
  readonly requestBody?: SchemaName;
  /** The 200 answer: a JSON component, the Prometheus text format, or Server-Sent Events. */
  readonly answer: SchemaName | 'prometheus' | 'event-stream';
  /** Error statuses besides 401 (added for protected routes) and 500 (every route). */
  readonly errors: readonly number[];
}

/** One route: how fastify matches it, whether it needs a token, how the document shows it, and what it does. */
export interface TesRoute {
  readonly method: 'GET' | 'POST';
  /** The path with `{parameters}`, from the server's root, as the OpenAPI document, the log and /metrics show it. */
  readonly path: string;
  /** fastify's pattern for the same path. */
  readonly url: string;
  readonly protected: boolean;
  /** Counted against the caller's rate limit: the task routes, not service-info or /metrics, which must not starve. */
  readonly rateLimited: boolean;
  readonly doc: OperationDoc;
  handle(request: FastifyRequest, reply: FastifyReply): unknown;
}

const viewParameter: ParameterDoc = {
  name: 'view',
  in: 'query',
  description: `How much of each task to return. MINIMAL: only id and state. BASIC: all but the executors' stdout and stderr, the inputs' content and system_logs. FULL: everything. Exactly one of ${TES_VIEWS.join(', ')} (upper case).`,
  schema: z.enum(TES_VIEWS).default(DEFAULT_VIEW),
};

const idParameter = (what: string): ParameterDoc => ({ name: 'id', in: 'path', description: `The id of the task to ${what}.`, schema: z.string() });

/** The ListTasks query as documented; `parseListQuery` (tes-model) is what reads it and says what is wrong. */
const listParameters: readonly ParameterDoc[] = [
  { name: 'name_prefix', in: 'query', description: 'Only tasks whose name starts with this (a true prefix, case-sensitive).', schema: z.string() },
  { name: 'state', in: 'query', description: 'Only tasks in this state.', schema: tesStateSchema },
  {
    name: 'tag_key',
    in: 'query',
    description: 'Only tasks with this tag; repeat it for several (`?tag_key=a&tag_key=b`). Paired by position with tag_value.',
    schema: z.array(z.string()),
  },
  {
    name: 'tag_value',
    in: 'query',
    description: 'The value the tag_key at the same position must have; a missing or empty value matches any value.',
    schema: z.array(z.string()),
  },
  {
    name: 'page_size',
    in: 'query',
    description: `Tasks per page, 1 to ${MAX_PAGE_SIZE}; larger values are refused, not clamped.`,
    schema: z.int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
  },
  { name: 'page_token', in: 'query', description: 'The next_page_token of the previous page; pages run newest task first.', schema: z.string() },
  viewParameter,
];

function taskIdParameter(request: FastifyRequest): string {
  const { id } = request.params as { id: string };
  noteOf(request).taskId = id;
  return id;
}

/** The routes this server answers besides the docs, in the order the document lists them. */
export function tesRoutes(
  service: TesService,
  renderMetrics: () => string,
  settings: { readonly listBudgetBytes: number; readonly streams: EventStreams; readonly heartbeatSeconds: number },
): TesRoute[] {
  return [
    {
      method: 'GET',
      path: `${TES_BASE_PATH}/service-info`,
      url: `${TES_BASE_PATH}/service-info`,
      protected: false,
      rateLimited: false,
      doc: {
        operationId: 'GetServiceInfo',
        summary: 'GetServiceInfo',
        description: 'Who runs this service, the TES version it speaks, its storage and the backend_parameters keys it supports. Public: a client reads it before it has a token.',
        tag: 'TaskService',
        parameters: [],
        answer: 'tesServiceInfo',
        errors: [],
      },
      handle: () => service.serviceInfo(),
    },
    {
      method: 'GET',
      path: `${TES_BASE_PATH}/tasks`,
      url: `${TES_BASE_PATH}/tasks`,
      protected: true,
      rateLimited: true,
      doc: {
        operationId: 'ListTasks',
        summary: 'ListTasks',
        description:
          "One page of the caller's tasks (an admin's: everyone's), newest first, filtered by name prefix, state and tags, in the requested view. A page whose JSON would pass the server's byte budget ends early, with a next_page_token.",
        tag: 'TaskService',
        parameters: listParameters,
        answer: 'tesListTasksResponse',
        errors: [400, 429],
      },
      handle: (request, reply) => {
        const page = pageJson(service.listTasks(parseListQuery(request.query as QueryParameters), principalOf(request)), settings.listBudgetBytes);
        void reply.type('application/json; charset=utf-8');
        return page;
      },
    },
    {
      method: 'POST',
      path: `${TES_BASE_PATH}/tasks`,
      url: `${TES_BASE_PATH}/tasks`,
      protected: true,
      rateLimited: true,
      doc: {
        operationId: 'CreateTask',
        summary: 'CreateTask',
        description: 'Validates and stores a task (state QUEUED) and answers its id; the task runs asynchronously. Read-only fields and unknown fields are ignored.',
        tag: 'TaskService',
        parameters: [],
        requestBody: 'tesTask',
        answer: 'tesCreateTaskResponse',
        errors: [400, 413, 415, 429],
      },
      handle: async (request) => {
        const { id } = await service.createTask(request.body, principalOf(request));
        noteOf(request).taskId = id;
        return { id };
      },
    },
    {
      method: 'GET',
      path: `${TES_BASE_PATH}/tasks/{id}`,
      url: `${TES_BASE_PATH}/tasks/:id`,
      protected: true,
      rateLimited: true,
      doc: {
        operationId: 'GetTask',
        summary: 'GetTask',
        description: "One task, in the requested view. Another principal's task answers 404, as an unknown id does.",
        tag: 'TaskService',
        parameters: [idParameter('return'), viewParameter],
        answer: 'tesTaskInView',
        errors: [400, 404, 429],
      },
      handle: (request) => {
        const id = taskIdParameter(request);
        return service.getTask(id, parseView((request.query as QueryParameters)['view']), principalOf(request));
      },
    },
    {
      method: 'POST',
      path: `${TES_BASE_PATH}/tasks/{id}:cancel`,
      // find-my-way reads `:id::cancel` as one parameter named "id::cancel"; a regular expression ends the id at the
      // colon. Task ids hold no colon (ULIDs). A client's `%3A` for the colon is decoded before matching.
      url: `${TES_BASE_PATH}/tasks/:id(^[^:]+)::cancel`,
      protected: true,
      rateLimited: true,
      doc: {
        operationId: 'CancelTask',
        summary: 'CancelTask',
        description: 'Cancels a task. A task already finished (or canceling) is left as it is, with the same empty answer.',
        tag: 'TaskService',
        parameters: [idParameter('cancel')],
        answer: 'tesCancelTaskResponse',
        errors: [400, 404, 429],
      },
      handle: async (request) => {
        await service.cancelTask(taskIdParameter(request), principalOf(request));
        return {};
      },
    },
    {
      method: 'GET',
      path: EVENTS_PATH,
      url: EVENTS_PATH,
      protected: true,
      rateLimited: false,
      doc: {
        operationId: 'StreamEvents',
        summary: 'Live events (a Capstan extension)',
        description:
          "The caller's task events (an admin's: everyone's) as Server-Sent Events: created (with the task's name and tags), state, executor-started, executor-ended, usage and system-log, each with an id. " +
          'Reconnect with the Last-Event-ID header (or last_event_id) to resume from the events the server keeps; older ids get a gap event first. ' +
          `A heartbeat comment every ${settings.heartbeatSeconds} s; a client that reads too slowly gets a dropped event and is disconnected; a closing server sends shutdown. ` +
          'Streams are limited per principal and in all (429).',
        tag: 'Operations',
        parameters: [{ name: 'last_event_id', in: 'query', description: 'The id of the last event received, for clients that cannot set the Last-Event-ID header.', schema: z.string() }],
        answer: 'event-stream',
        errors: [400, 429],
      },
      handle: (request, reply) => settings.streams.handle(request, reply),
    },
    {
      method: 'GET',
      path: METRICS_PATH,
      url: METRICS_PATH,
      protected: true,
      rateLimited: false,
      doc: {
        operationId: 'GetMetrics',
        summary: 'Prometheus metrics',
        description:
          'Tasks by state, queue-wait, run-time, peak-memory and CPU-seconds histograms, open and dropped event streams, HTTP requests by route and status, in the Prometheus text format. Needs a token like the task routes (task counts are not public); give Prometheus one with `authorization: { credentials: <token> }`.',
        tag: 'Operations',
        parameters: [],
        answer: 'prometheus',
        errors: [],
      },
      handle: (_request, reply) => {
        void reply.type(PROMETHEUS_CONTENT_TYPE);
        return renderMetrics();
      },
    },
  ];
}
