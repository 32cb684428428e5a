import { z } from 'zod';
import { SCOPES, type Scope } from '../../http/principal';
import type { ServiceClientRecord } from './service-clients.repository';

/** Local user IDs are UUIDs; any 8-4-4-4-12 hex form the database accepts. */
export const UserId = z.guid();

export const ScopeName = z.enum(SCOPES).openapi('Scope');

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

export const CreateServiceClientBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    scopes: z
      .array(ScopeName)
      .min(1)
      .transform((scopes) => [...new Set(scopes)]),
    allowedUserIds: z
      .array(UserId)
      .min(1)
      .max(1000)
      .transform((ids) => [...new Set(ids.map((id) => id.toLowerCase()))])
      .optional()
      .openapi({ description: 'Limits the client to these local users; omitted: the client may act for every user' }),
  })
  .strict()
  .openapi('CreateServiceClientRequest');

export type CreateServiceClientInput = z.output<typeof CreateServiceClientBody>;

export const ServiceClientParams = z.object({ id: z.guid() });

export const ServiceClientView = z
  .object({
    id: z.string(),
    name: z.string(),
    scopes: z.array(ScopeName),
    clientId: z.string().openapi({ example: 'svc_Yk3q0v9WcQ1mZr2a' }),
    allowedUserIds: z.array(z.string()).nullable().openapi({ description: 'null: the client may act for every user' }),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .openapi('ServiceClient');

export type ServiceClientView = z.infer<typeof ServiceClientView>;

export const CreatedServiceClient = ServiceClientView.omit({ revokedAt: true })
  .extend({ clientSecret: z.string().openapi({ description: 'Shown only in this answer; only its hash is kept' }) })
  .openapi('CreatedServiceClient');

export type CreatedServiceClient = z.infer<typeof CreatedServiceClient>;

/** The public shape of a client: never its secret hash. */
export function toServiceClientView(client: ServiceClientRecord): ServiceClientView {
  return {
    id: client.id,
    name: client.name,
    scopes: client.scopes.filter(isScope),
    clientId: client.clientId,
    allowedUserIds: client.allUsers ? null : client.allowedUserIds,
    createdAt: client.createdAt.toISOString(),
    revokedAt: client.revokedAt?.toISOString() ?? null,
  };
}
