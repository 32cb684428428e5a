import express, { type Express } from 'express';
import helmet from 'helmet';
import { errorHandler, notFoundHandler } from './http/error-handler';
import { buildOpenApiDocument, createRegistry } from './http/openapi';
import { ApiRouter } from './http/route';
import { clientIp, limiter } from './http/rate-limit';
import { requestLogger } from './http/request-log';
import type { ReadinessCheck } from './modules/ops/ops.router';
import { documentOpsRoutes, opsRouter } from './modules/ops/ops.router';
import type { Services } from './services';
import { registerPages, registerRoutes } from './routes';
import { createWeb } from './web/web';
import { CSP_DIRECTIVES } from './web/csp';
import { oauthBodyErrors, serviceCallMiddleware } from './modules/service-clients';

export interface AppDeps {
  services: Services;
  readiness: ReadinessCheck[];
}

const VERSION = '1.0.0';

/** Builds the Express app; never listens (server.ts and tests do that). */
export function createApp({ services, readiness }: AppDeps): Express {
  const { config, logger } = services;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.http.trustProxy);
  app.set('query parser', 'simple');

  const { metrics } = services;
  app.use(requestLogger(logger));
  app.use(metrics.middleware);
  app.use(helmet({ contentSecurityPolicy: { directives: CSP_DIRECTIVES } }));

  const registry = createRegistry();
  documentOpsRoutes(registry);
  let openApi: object | undefined;
  app.use(opsRouter({ checks: readiness, metrics: metrics.registry, openApi: () => (openApi ??= buildOpenApiDocument(registry, VERSION)) }));

  // The OAuth authorization server (a Koa app) reads its own request bodies.
  app.use(services.oauthApps.middleware);

  // The webhook verifies a signature over the exact bytes MODE sent, so it takes the raw body.
  app.use('/webhooks', express.raw({ type: '*/*', limit: config.http.jsonBodyLimit }));
  app.use(express.json({ limit: config.http.jsonBodyLimit }));
  app.use('/v1/oauth/token', express.urlencoded({ extended: false, limit: '10kb' }));
  app.use('/v1/oauth/token', oauthBodyErrors);

  const web = createWeb({ secret: config.auth.jwtSecret, publicUrl: config.publicUrl });
  registerPages(web, services);
  app.use(web.router);

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
  app.use(api.router);

  app.use(web.errors);
  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  return app;
}
