import { extendZodWithOpenApi, OpenAPIRegistry, OpenApiGeneratorV3 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { SCOPES } from './principal';

extendZodWithOpenApi(z);

export { OpenAPIRegistry };

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'validation_failed' }),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi('Error');

/** Names of the two ways to call the API: a user's access token, or a service client's token. */
export const SECURITY_SCHEMES = { user: 'bearer', serviceClient: 'serviceClient' } as const;

const SCOPE_DESCRIPTIONS: Record<(typeof SCOPES)[number], string> = {
  'homes:read': 'Read homes and members',
  'homes:write': 'Create, change and delete homes and members',
  'devices:read': 'Read devices',
  'devices:write': 'Claim, change and remove devices',
  'devices:command': 'Send device commands (within the command policy)',
  'events:read': 'Read stored and live events',
  'notifications:read': 'Read notifications',
  'users:link': 'Reserved',
};

export function createRegistry(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', SECURITY_SCHEMES.user, {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: "A user's access token from /v1/auth/register, /v1/auth/login or /v1/auth/refresh",
  });
  registry.registerComponent('securitySchemes', SECURITY_SCHEMES.serviceClient, {
    type: 'oauth2',
    description: "A service client's token (client credentials grant), sent as `Authorization: Bearer`, with `X-On-Behalf-Of` naming the user",
    flows: { clientCredentials: { tokenUrl: '/v1/oauth/token', scopes: SCOPE_DESCRIPTIONS } },
  });
  registry.register('Error', ErrorBody);
  return registry;
}

export function buildOpenApiDocument(registry: OpenAPIRegistry, version: string): object {
  const document = new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: '3.0.3',
    info: {
      title: 'mode-bridge',
      version,
      description: 'Accounts, MODE homes and devices on behalf of users, events and notifications.',
      license: { name: 'UNLICENSED' },
    },
    servers: [{ url: '/', description: 'This mode-bridge' }],
  });
  completeOperations(document.paths as Record<string, Record<string, Operation>>);
  typeNullables(document);
  return document;
}

interface Operation {
  operationId?: string;
  security?: unknown[];
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/** Paths registered on the registry directly (the operations routes) are public and get derived IDs too. */
function completeOperations(paths: Record<string, Record<string, Operation>>): void {
  const seen = new Map<string, string>();
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!METHODS.has(method)) continue;
      operation.operationId ??= operationIdOf(method, path);
      operation.security ??= [];
      const other = seen.get(operation.operationId);
      if (other) throw new Error(`operationId ${operation.operationId} of ${method} ${path} is already used by ${other}: declare one`);
      seen.set(operation.operationId, `${method} ${path}`);
    }
  }
}

/**
 * OpenAPI 3.0 allows `nullable` only beside a `type`. zod's unknown/any values have none and
 * already admit null, so their `nullable` goes; an object or array schema gets its type named.
 */
function typeNullables(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(typeNullables);
  if (node === null || typeof node !== 'object') return;
  const schema = node as Record<string, unknown>;
  if (schema.nullable === true && schema.type === undefined && schema.$ref === undefined) {
    if (schema.properties || schema.additionalProperties !== undefined) schema.type = 'object';
    else if (schema.items) schema.type = 'array';
    else if (!schema.anyOf && !schema.oneOf && !schema.allOf) delete schema.nullable;
  }
  for (const value of Object.values(schema)) typeNullables(value);
}

/** `get /v1/homes/:homeId/devices` becomes `getHomesByHomeIdDevices`: unique per method and path. */
export function operationIdOf(method: string, path: string): string {
  const words = path
    .split('/')
    .filter((segment) => segment && segment !== 'v1')
    .map((segment) => {
      const param = /^[:{]([A-Za-z0-9_]+)}?$/.exec(segment)?.[1];
      return param ? `by-${param}` : segment;
    })
    .flatMap((segment) => segment.split(/[^A-Za-z0-9]+/))
    .filter(Boolean);
  return [method.toLowerCase(), ...words.map((word) => word[0]!.toUpperCase() + word.slice(1))].join('');
}

/** Express path `/v1/homes/:homeId` as OpenAPI `/v1/homes/{homeId}`. */
export function toOpenApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}
