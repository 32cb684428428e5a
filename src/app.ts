import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import express, { Router, type Express, type RequestHandler } from 'express';
import { corsMiddleware } from './http/cors';
import { errorHandler, notFoundHandler } from './http/error-handler';
import { buildOpenApiDocument, createRegistry } from './http/openapi';
import { ApiRouter } from './http/route';
import { clientIp, limiter } from './http/rate-limit';
import { requestLogger } from './http/request-log';
import { refuseHostileInput } from './http/hostile-input';
import { sendJson } from './http/json-response';
import { securityHeaders } from './http/security-headers';
import { webhookEndpoint } from './modules/events/webhook-endpoint';
import type { ReadinessCheck } from './modules/ops/ops.router';
import { documentOpsRoutes, opsRouter } from './modules/ops/ops.router';
import type { Services } from './services';
import { registerPages, registerRoutes } from './routes';
import { createWeb } from './web/web';
import { oauthBodyErrors, serviceCallMiddleware } from './modules/service-clients';

export interface AppDeps {
  services: Services;
  readiness: ReadinessCheck[];
  /** The Express app to build on: `expressServer`'s, whose server makes requests with its prototypes. Default: a new one. */
  express?: Express;
}

const VERSION = '1.0.0';

const API_PREFIXES = ['/v1', '/webhooks'];

// API answers carry tokens (sign-in, refresh, invitations) and account data: no cache keeps them.
const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  next();
};

/** Runs `handler` for paths under one of `prefixes` (case-insensitive, as Express routes), else skips it. */
function onlyUnder(prefixes: string[], handler: RequestHandler): RequestHandler {
  const lowered = prefixes.map((prefix) => prefix.toLowerCase());
  const under = (path: string) => lowered.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
  return (req, res, next) => (under(req.path.toLowerCase()) ? handler(req, res, next) : next());
}

/** Body parsing, input checks and the routes of /v1 and /webhooks. */
function apiPipeline(api: ApiRouter, jsonBodyLimit: string): Router {
  const pipeline = Router();
  pipeline.use(noStore);
  // The webhook verifies a signature over the exact bytes MODE sent, so it takes the raw body.
  pipeline.use('/webhooks', express.raw({ type: '*/*', limit: jsonBodyLimit }));
  pipeline.use(express.json({ limit: jsonBodyLimit }));
  pipeline.use('/v1/oauth/token', express.urlencoded({ extended: false, limit: '10kb' }), oauthBodyErrors);
  pipeline.use('/v1', refuseHostileInput);
  pipeline.use(api.router);
  return pipeline;
}

/**
 * The bridge's request listener: MODE's Event Webhook on a path of its own (webhook-endpoint.ts
 * says why), everything else the Express app. Never listens (server.ts and tests do that).
 */
export function createApp({ services, readiness, express: base = express() }: AppDeps): RequestListener {
  const security = securityHeaders();
  const app = expressApp(base, { services, readiness }, security.middleware);
  const webhook = webhookEndpoint({
    events: services.events,
    metrics: services.metrics,
    logger: services.logger,
    securityHeaders: security.headers,
    bodyLimit: services.config.http.jsonBodyLimit,
  });
  return (req: IncomingMessage, res: ServerResponse) => {
    if (!webhook(req, res)) app(req, res);
  };
}

function expressApp(app: Express, { services, readiness }: AppDeps, security: RequestHandler): Express {
  const { config, logger } = services;
  app.disable('x-powered-by');
  // Answers are never cached (no-store), so a per-answer hash for conditional requests buys nothing.
  app.set('etag', false);
  // Express's documented extension point: every res of this app has it (json-response.ts says why).
  app.response.json = sendJson;
  app.set('trust proxy', config.http.trustProxy);
  app.set('query parser', 'simple');
  if (config.production && !config.metricsToken) {
    logger.warn('METRICS_TOKEN is not set: /metrics, which names routes and service clients, is open to anyone who can reach it');
  }

  const { metrics } = services;
  app.use(requestLogger(logger));
  app.use(metrics.middleware);
  // Before everything that can answer, so preflights and errors carry the CORS headers too.
  if (config.http.corsOrigins) app.use(corsMiddleware(config.http.corsOrigins));
  app.use(security);

  const registry = createRegistry();
  documentOpsRoutes(registry);
  let openApi: object | undefined;
  const apiLimit = limiter({
    name: 'api',
    windowMs: 60_000,
    limit: config.rateLimits.apiPerMinute,
    key: (req) => req.principal?.userId ?? clientIp(req),
    stores: services.rateLimitStores,
  });
  const serviceCalls = serviceCallMiddleware({ perClientPerMinute: config.rateLimits.servicePerMinute, stores: services.rateLimitStores });
  const api = new ApiRouter(registry, services.guards, [apiLimit, ...serviceCalls]);
  registerRoutes(api, services);
  // Every proxied call takes this path, so it walks only the layers an API request needs.
  app.use(onlyUnder(API_PREFIXES, apiPipeline(api, config.http.jsonBodyLimit)));

  app.use(opsRouter({ checks: readiness, metrics: metrics.registry, metricsToken: config.metricsToken, openApi: () => (openApi ??= buildOpenApiDocument(registry, VERSION)) }));
  // The OAuth authorization server (a Koa app) reads its own request bodies.
  app.use(services.oauthApps.middleware);
  const web = createWeb({ secret: config.auth.jwtSecret, publicUrl: config.publicUrl, logger });
  registerPages(web, services);
  app.use(web.router);

  app.use(web.errors);
  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  return app;
}
