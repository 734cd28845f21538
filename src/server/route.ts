import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parseRequest } from './errors.js';

/**
 * One declaration per endpoint: its zod schemas validate the request (the same schemas the domain and the CLI
 * use) and describe it in the OpenAPI document the server serves at /api/v1/openapi.json.
 */
export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  summary: string;
  tag: string;
  params?: P;
  query?: Q;
  body?: B;
  /** A non-JSON request body (e.g. text/csv uploads), passed to the handler as a stream. */
  rawBody?: { contentType: string; description: string };
  successStatus?: number;
}

export interface RouteInput<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  params: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
}

const specs = new WeakMap<FastifyInstance, RouteSpec<z.ZodType, z.ZodType, z.ZodType>[]>();

export function route<P extends z.ZodType = z.ZodUnknown, Q extends z.ZodType = z.ZodUnknown, B extends z.ZodType = z.ZodUnknown>(
  app: FastifyInstance,
  spec: RouteSpec<P, Q, B>,
  handler: (input: RouteInput<P, Q, B>, request: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
): void {
  const list = specs.get(app) ?? [];
  list.push(spec as unknown as RouteSpec<z.ZodType, z.ZodType, z.ZodType>);
  specs.set(app, list);
  app.route({
    method: spec.method,
    url: spec.url,
    ...(spec.rawBody ? { bodyLimit: Number.MAX_SAFE_INTEGER } : {}),
    handler: async (request, reply) => {
      const input = {
        params: spec.params ? parseRequest(spec.params, request.params) : request.params,
        query: spec.query ? parseRequest(spec.query, request.query) : request.query,
        body: spec.body ? parseRequest(spec.body, request.body ?? {}) : request.body,
      } as RouteInput<P, Q, B>;
      const result = await handler(input, request, reply);
      if (reply.sent) return reply;
      return reply.status(spec.successStatus ?? 200).send(result);
    },
  });
}

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const json = jsonSchema(schema) as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    schema: property,
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
  }));
}

/** The OpenAPI 3.1 description of every route declared with `route()` on this server. */
export function openApiDocument(app: FastifyInstance, version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of specs.get(app) ?? []) {
    const path = spec.url.replace(/:([A-Za-z_]+)/g, '{$1}');
    const requestBody = spec.rawBody
      ? { required: true, description: spec.rawBody.description, content: { [spec.rawBody.contentType]: { schema: { type: 'string' } } } }
      : spec.body
        ? { required: true, content: { 'application/json': { schema: jsonSchema(spec.body) } } }
        : undefined;
    (paths[path] ??= {})[spec.method.toLowerCase()] = {
      summary: spec.summary,
      tags: [spec.tag],
      parameters: [...parameters(spec.params, 'path'), ...parameters(spec.query, 'query')],
      ...(requestBody ? { requestBody } : {}),
      responses: {
        [String(spec.successStatus ?? 200)]: { description: 'success', content: { 'application/json': {} } },
        default: { description: 'error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'winback API', version, description: 'Customer recovery management: identify, analyse, fix the causes, win back.' },
    paths,
    components: {
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['domain', 'code', 'message'],
              properties: { domain: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' }, details: {} },
            },
          },
        },
      },
    },
  };
}
