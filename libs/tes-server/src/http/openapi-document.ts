import {
  TES_SPEC_VERSION,
  tesCancelTaskResponseSchema,
  tesCreateTaskResponseSchema,
  tesListTasksResponseSchema,
  tesServiceInfoSchema,
  tesTaskInViewSchema,
  tesTaskSchema,
} from '@capstan/tes-model';
import { z } from 'zod';
import { tesErrorBodySchema } from './http-error-body';
import { PROMETHEUS_CONTENT_TYPE } from './prometheus-text';
import { type ParameterDoc, type SchemaName, TES_BASE_PATH, type TesRoute } from './tes-routes';

export type JsonObject = Record<string, unknown>;

const ERROR_SCHEMA = 'tesError';
const BEARER_SCHEME = 'bearerAuth';
const BASIC_SCHEME = 'basicAuth';

/** `basicAuth`: the server has auth.users, who may sign in with HTTP Basic instead of a token. */
export interface OpenApiAuth {
  readonly authEnabled: boolean;
  readonly basicAuth?: boolean;
}

const ERROR_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'The request is invalid; `path` names the field or query parameter.',
  401: 'No bearer token, or an unknown one (`WWW-Authenticate: Bearer`).',
  404: 'No task with this id.',
  413: 'The body is larger than the server accepts; the message names the limit and the setting that raises it.',
  415: 'The body is not JSON.',
  429: 'This principal sent more requests than the rate limit allows; `Retry-After` says how many seconds to wait.',
  500: 'A failure that is not the client\'s fault.',
};

/** The task as a client submits it: the spec's tesTask, whose id, state, logs and creation_time the server sets. */
const submittedTaskSchema = tesTaskSchema.extend({
  id: tesTaskSchema.shape.id.meta({ readOnly: true }),
  state: tesTaskSchema.shape.state.meta({ readOnly: true }),
  logs: tesTaskSchema.shape.logs.meta({ readOnly: true }),
  creation_time: tesTaskSchema.shape.creation_time.meta({ readOnly: true }),
});

function componentSchemas(io: 'input' | 'output', schemas: Readonly<Record<string, z.ZodType>>): Record<string, JsonObject> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const generated = z.toJSONSchema(registry, { io, uri: (id) => `#/components/schemas/${id}`, unrepresentable: 'any' }).schemas;
  // `$id` and `$schema` are for standalone documents; in a 3.1 document the schema dialect is the document's.
  return Object.fromEntries(Object.entries(generated).map(([id, { $id: _id, $schema: _schema, ...schema }]) => [id, schema as JsonObject]));
}

/** The component schemas, from tes-model's zod schemas: requests as clients may send them, answers as sent. */
function schemas(): Record<SchemaName | typeof ERROR_SCHEMA, JsonObject> {
  const requests = componentSchemas('input', { tesTask: submittedTaskSchema });
  const answers = componentSchemas('output', {
    tesServiceInfo: tesServiceInfoSchema,
    tesTaskInView: tesTaskInViewSchema,
    tesListTasksResponse: tesListTasksResponseSchema,
    tesCreateTaskResponse: tesCreateTaskResponseSchema,
    tesCancelTaskResponse: tesCancelTaskResponseSchema,
    [ERROR_SCHEMA]: tesErrorBodySchema,
  });
  return { ...requests, ...answers } as Record<SchemaName | typeof ERROR_SCHEMA, JsonObject>;
}

function parameter(doc: ParameterDoc): JsonObject {
  const { $schema: _schema, ...schema } = z.toJSONSchema(doc.schema, { io: 'input' });
  return { name: doc.name, in: doc.in, description: doc.description, required: doc.in === 'path', schema };
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

function operation(route: TesRoute, auth: OpenApiAuth): JsonObject {
  const { doc } = route;
  const needsToken = route.protected && auth.authEnabled;
  const errors = [...doc.errors, ...(needsToken ? [401] : []), 500].sort((a, b) => a - b);
  const answer =
    doc.answer === 'prometheus'
      ? { description: 'The metrics.', content: { [PROMETHEUS_CONTENT_TYPE]: { schema: { type: 'string' } } } }
      : doc.answer === 'event-stream'
        ? { description: 'Server-Sent Events, until the client or the server ends the stream.', content: { 'text/event-stream': { schema: { type: 'string' } } } }
        : { description: 'OK', content: { 'application/json': { schema: ref(doc.answer) } } };
  return {
    tags: [doc.tag],
    summary: doc.summary,
    description: doc.description,
    operationId: doc.operationId,
    ...(doc.parameters.length > 0 ? { parameters: doc.parameters.map(parameter) } : {}),
    ...(doc.requestBody === undefined ? {} : { requestBody: { required: true, content: { 'application/json': { schema: ref(doc.requestBody) } } } }),
    responses: { 200: answer, ...Object.fromEntries(errors.map((status) => [String(status), { $ref: `#/components/responses/${status}` }])) },
    // Alternatives: either scheme alone is enough.
    ...(needsToken ? { security: [{ [BEARER_SCHEME]: [] }, ...(auth.basicAuth === true ? [{ [BASIC_SCHEME]: [] }] : [])] } : {}),
  };
}

/**
 * The OpenAPI 3.1 document of what this server serves, built from the route table and tes-model's zod schemas
 * (`z.toJSONSchema`), so that it cannot drift from the code. Like the TES spec, paths are relative to the server
 * `/ga4gh/tes/v1`; `/metrics`, outside it, carries its own server `/`.
 */
export function buildOpenApiDocument(routes: readonly TesRoute[], options: OpenApiAuth): JsonObject {
  const paths: Record<string, JsonObject> = {};
  for (const route of routes) {
    const inBase = route.path.startsWith(`${TES_BASE_PATH}/`);
    const key = inBase ? route.path.slice(TES_BASE_PATH.length) : route.path;
    paths[key] = { ...(inBase ? {} : { servers: [{ url: '/' }] }), ...paths[key], [route.method.toLowerCase()]: operation(route, options) };
  }
  const statuses = [...new Set(routes.flatMap((route) => [...route.doc.errors, 500, ...(route.protected && options.authEnabled ? [401] : [])]))].sort((a, b) => a - b);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Capstan GA4GH Task Execution Service',
      version: TES_SPEC_VERSION,
      description:
        'The GA4GH TES v1.1 API as Capstan serves it. Errors answer `{code, message, path, status}` (see tesError). ' +
        (options.authEnabled
          ? `Task routes and /metrics need \`Authorization: Bearer <token>\`${options.basicAuth === true ? ' or `Authorization: Basic` with a user and password' : ''}; service-info and these docs are public.`
          : 'Authentication is disabled (loopback only).'),
    },
    servers: [{ url: TES_BASE_PATH }],
    tags: [
      { name: 'TaskService', description: 'The TES v1.1 operations.' },
      { name: 'Operations', description: 'For those who run the server.' },
    ],
    paths,
    components: {
      schemas: schemas(),
      responses: Object.fromEntries(
        statuses.map((status) => [String(status), { description: ERROR_DESCRIPTIONS[status] ?? 'An error.', content: { 'application/json': { schema: ref(ERROR_SCHEMA) } } }]),
      ),
      ...(options.authEnabled ? { securitySchemes: securitySchemes(options.basicAuth === true) } : {}),
    },
  };
}

function securitySchemes(basic: boolean): JsonObject {
  const bearer = { type: 'http', scheme: 'bearer', description: 'A token from the server\'s auth.tokens.' };
  return basic ? { [BEARER_SCHEME]: bearer, [BASIC_SCHEME]: { type: 'http', scheme: 'basic', description: 'A user of the server\'s auth.users and its password.' } } : { [BEARER_SCHEME]: bearer };
}
