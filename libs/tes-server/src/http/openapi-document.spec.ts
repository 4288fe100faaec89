import { type RunningTesServer, startTesServer } from './testing/running-tes-server';

type Json = Record<string, unknown>;

/** Every `$ref` in the document, with the path where it sits. */
function refsOf(value: unknown, at = '#'): Array<[string, string]> {
  if (Array.isArray(value)) return value.flatMap((item, index) => refsOf(item, `${at}/${index}`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, item]) => (key === '$ref' && typeof item === 'string' ? [[at, item] as [string, string]] : refsOf(item, `${at}/${key}`)));
}

function resolve(document: Json, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .reduce<unknown>((node, part) => (typeof node === 'object' && node !== null ? (node as Json)[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined), document);
}

describe('the OpenAPI document and the docs page', () => {
  let server: RunningTesServer;
  let document: Json;

  beforeAll(async () => {
    server = await startTesServer();
    const answer = await fetch(`${server.base}/ga4gh/tes/v1/openapi.json`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    document = JSON.parse(await answer.text()) as Json;
  });

  afterAll(async () => {
    await server.close();
  });

  it('is an OpenAPI 3.1 document with the TES base path as its server', () => {
    expect(document).toMatchObject({ openapi: '3.1.0', info: { version: '1.1.0' }, servers: [{ url: '/ga4gh/tes/v1' }] });
  });

  it('describes every route the server answers, and no other', () => {
    const paths = document['paths'] as Record<string, Json>;
    const operations = Object.entries(paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([key]) => key !== 'servers')
        .map(([method, operation]) => `${method.toUpperCase()} ${path} ${(operation as Json)['operationId'] as string}`),
    );
    expect(operations.sort()).toEqual([
      'GET /events StreamEvents',
      'GET /metrics GetMetrics',
      'GET /service-info GetServiceInfo',
      'GET /tasks ListTasks',
      'GET /tasks/{id} GetTask',
      'POST /tasks CreateTask',
      'POST /tasks/{id}:cancel CancelTask',
    ]);
    expect(paths['/metrics']?.['servers']).toEqual([{ url: '/' }]);
  });

  it('documents the list query, repeated tag parameters as lists', () => {
    const list = (document['paths'] as Record<string, Record<string, Json>>)['/tasks']?.['get'];
    const parameters = Object.fromEntries((list?.['parameters'] as Json[]).map((p) => [p['name'], p]));
    expect(Object.keys(parameters).sort()).toEqual(['name_prefix', 'page_size', 'page_token', 'state', 'tag_key', 'tag_value', 'view']);
    expect(parameters['tag_key']).toMatchObject({ in: 'query', schema: { type: 'array', items: { type: 'string' } } });
    expect(parameters['page_size']).toMatchObject({ schema: { type: 'integer', minimum: 1, maximum: 2047, default: 256 } });
    expect(parameters['view']).toMatchObject({ schema: { enum: ['MINIMAL', 'BASIC', 'FULL'], default: 'MINIMAL' } });
  });

  it('generates the schemas from the zod schemas, read-only task fields marked', () => {
    const schemas = (document['components'] as Json)['schemas'] as Record<string, Json>;
    expect(Object.keys(schemas).sort()).toEqual(['tesCancelTaskResponse', 'tesCreateTaskResponse', 'tesError', 'tesListTasksResponse', 'tesServiceInfo', 'tesTask', 'tesTaskInView']);
    const task = schemas['tesTask'] as { required: string[]; properties: Record<string, Json> };
    expect(task.required).toEqual(['executors']);
    expect(task.properties['id']).toMatchObject({ readOnly: true });
    expect(task.properties['creation_time']).toMatchObject({ readOnly: true });
    expect(task.properties['executors']).toMatchObject({ type: 'array', items: { required: ['image', 'command'] } });
    expect(schemas['tesListTasksResponse']).toMatchObject({ properties: { tasks: { items: { $ref: '#/components/schemas/tesTaskInView' } } } });
    expect(schemas['tesError']).toMatchObject({ required: ['code', 'message', 'path', 'status'] });
    expect(JSON.stringify(schemas)).not.toMatch(/"\$schema"|"\$id"/);
  });

  it('resolves every $ref inside itself', () => {
    const refs = refsOf(document);
    expect(refs.length).toBeGreaterThan(10);
    for (const [at, ref] of refs) expect({ at, ref, resolved: resolve(document, ref) !== undefined }).toEqual({ at, ref, resolved: true });
  });

  it('asks for the bearer token on the protected routes only', () => {
    const paths = document['paths'] as Record<string, Record<string, Json>>;
    expect((document['components'] as Json)['securitySchemes']).toEqual({ bearerAuth: expect.objectContaining({ type: 'http', scheme: 'bearer' }) });
    expect(paths['/service-info']?.['get']?.['security']).toBeUndefined();
    for (const [path, method] of [['/tasks', 'get'], ['/tasks', 'post'], ['/tasks/{id}', 'get'], ['/tasks/{id}:cancel', 'post'], ['/metrics', 'get']] as const) {
      expect(paths[path]?.[method]).toMatchObject({ security: [{ bearerAuth: [] }], responses: { 401: { $ref: '#/components/responses/401' } } });
    }
  });

  it('serves the Swagger UI page at /docs, reading the same document', async () => {
    const page = await fetch(`${server.base}/ga4gh/tes/v1/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('<div id="swagger-ui"></div>');
    const scripts = [...html.matchAll(/<script src="([^"]+)"/g)].map((match) => match[1] ?? '');
    expect(scripts).toContain('/ga4gh/tes/v1/docs/static/swagger-ui-bundle.js');
    for (const script of scripts) {
      const answer = await fetch(`${server.base}${script}`);
      expect(answer.status).toBe(200);
      expect((await answer.text()).length).toBeGreaterThan(0);
    }
    expect(await (await fetch(`${server.base}/ga4gh/tes/v1/docs/json`)).json()).toEqual(document);
  });
});
