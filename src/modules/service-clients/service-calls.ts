import type { Request, RequestHandler } from 'express';
import { Counter, type Registry } from 'prom-client';
import { ValidationError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { limiter, type RateLimitStoreFactory } from '../../http/rate-limit';
import type { AuditRepository } from '../audit/audit.repository';

// Accountability for server-to-server calls: each one is written to the audit log and counted
// per client when its answer is sent, whatever the answer was, and each client has its own
// rate limit.

export const ON_BEHALF_OF = 'X-On-Behalf-Of';
const REQUESTS_METRIC = 'service_client_requests_total';

export interface ServiceCall {
  /** The public client ID (`svc_...`) from a verified service token. */
  clientId: string;
  /** The well-formed X-On-Behalf-Of user ID, if there is one. */
  onBehalfOf?: string;
}

export class ServiceCalls {
  private readonly requests: Counter<'client_id' | 'route' | 'status'>;

  constructor(
    private readonly audit: AuditRepository,
    registry: Registry,
    private readonly logger: Logger,
  ) {
    // Reused when the registry already has it (two app instances sharing one registry).
    const existing = registry.getSingleMetric(REQUESTS_METRIC) as Counter<'client_id' | 'route' | 'status'> | undefined;
    this.requests = existing ?? new Counter({
      name: REQUESTS_METRIC,
      help: 'Calls made with service tokens, by client, method and route template, and status',
      labelNames: ['client_id', 'route', 'status'] as const,
      registers: [registry],
    });
  }

  /** Called as soon as a service token is verified, so refused calls are recorded too. */
  track(req: Request, call: ServiceCall): void {
    // 'close' rather than 'finish': a call whose caller hung up before any answer is recorded
    // too, as aborted (and an event stream, which ends that way, with its 200).
    req.res?.once('close', () => void this.record(req, call));
  }

  private async record(req: Request, call: ServiceCall): Promise<void> {
    // Route templates, not raw paths, keep the metric's labels few; the audit keeps the path too.
    const route = `${req.method} ${req.route?.path ? String(req.route.path) : 'unmatched'}`;
    const status = req.res?.headersSent ? String(req.res.statusCode) : 'aborted';
    this.requests.inc({ client_id: call.clientId, route, status });
    try {
      await this.audit.record({
        actorType: 'service',
        actorId: call.clientId,
        onBehalfOf: call.onBehalfOf,
        action: 'service.call',
        targetType: 'route',
        targetId: route,
        result: status,
        ip: req.ip,
        details: { path: req.originalUrl.split('?')[0] },
      });
    } catch (error) {
      this.logger.error({ err: error, clientId: call.clientId, route }, 'could not write the audit entry of a service call');
    }
  }
}

export interface ServiceCallLimits {
  perClientPerMinute: number;
  stores: RateLimitStoreFactory;
}

/**
 * Runs after authentication on every non-public route: the per-client rate limit, and the
 * refusal of X-On-Behalf-Of with a user's token (a user cannot act for anyone else, and
 * silently ignoring the header would hide the caller's mistake).
 */
export function serviceCallMiddleware(limits: ServiceCallLimits): RequestHandler[] {
  const perClient = limiter({
    name: 'service-client',
    windowMs: 60_000,
    limit: limits.perClientPerMinute,
    key: (req) => (req.principal?.kind === 'service' ? req.principal.clientId : ''),
    stores: limits.stores,
  });
  const onBehalfOfNeedsServiceToken: RequestHandler = (req, _res, next) => {
    if (req.principal && req.principal.kind !== 'service' && req.get(ON_BEHALF_OF) !== undefined) {
      throw new ValidationError([{ field: 'headers.x-on-behalf-of', message: 'Only service tokens may act on behalf of a user' }], 'X-On-Behalf-Of needs a service token');
    }
    next();
  };
  const perClientLimit: RequestHandler = (req, res, next) => (req.principal?.kind === 'service' ? perClient(req, res, next) : next());
  return [onBehalfOfNeedsServiceToken, perClientLimit];
}
