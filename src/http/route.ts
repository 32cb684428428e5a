import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { z, type ZodType } from 'zod';
import { ValidationError, type FieldIssue } from '../lib/errors';
import { ErrorBody, operationIdOf, SECURITY_SCHEMES, toOpenApiPath, type OpenAPIRegistry } from './openapi';
import type { Access, Scope } from './principal';

// One declaration per route: the same zod schemas validate the request and describe it in
// the OpenAPI document, and the access rule picks the authentication guard.

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Schema = ZodType | undefined;
type Parsed<S extends Schema> = S extends ZodType ? z.output<S> : undefined;

export interface RouteSpec<B extends Schema, Q extends Schema, P extends Schema> {
  method: Method;
  path: string;
  summary: string;
  tags: string[];
  access: Access;
  /** Needed by service clients; users are not limited by scopes. */
  scope?: Scope;
  body?: B;
  query?: Q;
  params?: P;
  /** Extra middleware that runs after authentication and before validation (rate limits). */
  before?: RequestHandler[];
  /** A body the handler validates itself, documented only (the OAuth token endpoint's own error shape). */
  documentedBody?: { schema: ZodType; contentTypes: string[] };
  /**
   * Request headers the route reads, documented only: the handler or its guard checks them, because
   * their failures have answers of their own in the contract (403 `invalid_signature`, an ignored
   * malformed Last-Event-ID). X-On-Behalf-Of is added to every route with a scope.
   */
  headers?: z.ZodObject;
  /** Defaults to one derived from method and path (`get /v1/homes/:homeId` is `getHomesByHomeId`). */
  operationId?: string;
  responses: Record<number, { description: string; schema?: ZodType; contentType?: string }>;
}

export interface RouteInput<B extends Schema, Q extends Schema, P extends Schema> {
  body: Parsed<B>;
  query: Parsed<Q>;
  params: Parsed<P>;
}

export type RouteHandler<B extends Schema, Q extends Schema, P extends Schema> = (
  input: RouteInput<B, Q, P>,
  req: Request,
  res: Response,
) => Promise<void> | void;

export interface Guards {
  authenticate(access: Exclude<Access, 'public'>, scope?: Scope): RequestHandler;
}

const ERROR_STATUSES: Record<number, string> = {
  400: 'The request is not valid',
  401: 'Authentication is required',
  403: 'Not allowed',
  404: 'Not found',
  429: 'Too many requests',
  503: '`database_unavailable`: the database cannot be reached; nothing was changed, try again after Retry-After seconds',
};

/**
 * Routes are kept in one Express router per path prefix (`/v1/homes`, `/v1/me`, ...), so a request
 * is matched against the dozen routes of its prefix instead of walking every route of the API.
 * Within a prefix Express routes as usual (case-insensitive, HEAD and automatic OPTIONS included).
 */
const PREFIX_SEGMENTS = 2;

/** The path up to its third slash (`/v1/homes/7` -> `/v1/homes`), lower-cased; on every request. */
function prefixOf(path: string): string {
  let end = 0;
  for (let segment = 0; segment < PREFIX_SEGMENTS && end !== -1; segment++) end = path.indexOf('/', end + 1);
  return (end === -1 ? path : path.slice(0, end)).toLowerCase();
}

export class ApiRouter {
  private readonly byPrefix = new Map<string, Router>();

  readonly router: RequestHandler = (req, res, next) => {
    const routes = this.byPrefix.get(prefixOf(req.path));
    if (!routes) return next();
    routes(req, res, next);
  };

  constructor(
    private readonly registry: OpenAPIRegistry,
    private readonly guards: Guards,
    /** Runs after authentication on every non-public route (the per-user API rate limit). */
    private readonly authenticated: RequestHandler[] = [],
  ) {}

  route<B extends Schema = undefined, Q extends Schema = undefined, P extends Schema = undefined>(
    spec: RouteSpec<B, Q, P>,
    handler: RouteHandler<B, Q, P>,
  ): void {
    this.document(spec);
    const stack: RequestHandler[] = [];
    if (spec.access !== 'public') stack.push(this.guards.authenticate(spec.access, spec.scope), ...this.authenticated);
    stack.push(...(spec.before ?? []));
    stack.push(async (req: Request, res: Response, _next: NextFunction) => {
      const input = {
        body: parse(spec.body, req.body ?? {}, 'body'),
        query: parse(spec.query, req.query, 'query'),
        params: parse(spec.params, req.params, 'params'),
      } as RouteInput<B, Q, P>;
      await handler(input, req, res);
    });
    this.routesFor(spec.path)[spec.method](spec.path, ...stack);
  }

  private routesFor(path: string): Router {
    const prefix = prefixOf(path);
    if (/[:*{(]/.test(prefix)) throw new Error(`${path}: the first ${PREFIX_SEGMENTS} segments of an API path must be literal`);
    let routes = this.byPrefix.get(prefix);
    if (!routes) {
      routes = Router();
      this.byPrefix.set(prefix, routes);
    }
    return routes;
  }

  private document(spec: RouteSpec<Schema, Schema, Schema>): void {
    const responses: Record<string, object> = {};
    for (const [status, response] of Object.entries(spec.responses)) {
      responses[status] = response.schema
        ? { description: response.description, content: { [response.contentType ?? 'application/json']: { schema: response.schema } } }
        : { description: response.description };
    }
    const implied = [400, ...(spec.access === 'public' ? [] : [401, 403]), 429, 503];
    for (const status of implied) {
      responses[status] ??= { description: ERROR_STATUSES[status], content: { 'application/json': { schema: ErrorBody } } };
    }
    // Any route can meet a database outage, also one that documents a 503 of its own.
    const unavailable = responses[503] as { description: string };
    if (unavailable.description !== ERROR_STATUSES[503]) responses[503] = { ...unavailable, description: `${unavailable.description}; or ${ERROR_STATUSES[503]}` };
    for (const [status, response] of Object.entries(responses) as [string, { description: string; content?: object }][]) {
      // An error status declared with a description only answers the standard error body.
      if (Number(status) >= 400 && !response.content) responses[status] = { ...response, content: { 'application/json': { schema: ErrorBody } } };
    }
    const headers = spec.scope ? (spec.headers ?? z.object({})).extend({ [ON_BEHALF_OF]: OnBehalfOf }) : spec.headers;
    this.registry.registerPath({
      method: spec.method,
      path: toOpenApiPath(spec.path),
      operationId: spec.operationId ?? operationIdOf(spec.method, spec.path),
      summary: spec.summary,
      tags: spec.tags,
      security: securityOf(spec),
      description: spec.scope ? `Service clients need the \`${spec.scope}\` scope and name the user in \`${ON_BEHALF_OF}\`.` : undefined,
      request: {
        body: spec.body ? { content: { 'application/json': { schema: spec.body } }, required: true } : documentedBody(spec),
        query: spec.query as never,
        params: spec.params as never,
        headers: headers as never,
      },
      responses: responses as never,
    });
  }
}

const ON_BEHALF_OF = 'X-On-Behalf-Of';
const OnBehalfOf = z
  .uuid()
  .optional()
  .openapi({ description: 'Service clients only (required for them): the ID of the local user the call is made for' });

/** Public routes say so (`[]`); user routes take a user's token; scoped routes also a service token with the scope. */
function securityOf(spec: RouteSpec<Schema, Schema, Schema>): Record<string, string[]>[] {
  if (spec.access === 'public') return [];
  const user = { [SECURITY_SCHEMES.user]: [] };
  return spec.scope ? [user, { [SECURITY_SCHEMES.serviceClient]: [spec.scope] }] : [user];
}

function parse(schema: Schema, value: unknown, where: 'body' | 'query' | 'params'): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details: FieldIssue[] = result.error.issues.map((issue) => ({
    field: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  throw new ValidationError(details);
}

function documentedBody(spec: RouteSpec<Schema, Schema, Schema>) {
  const body = spec.documentedBody;
  if (!body) return undefined;
  return { content: Object.fromEntries(body.contentTypes.map((type) => [type, { schema: body.schema }])), required: true };
}
