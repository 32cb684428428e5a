import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import swaggerUi from 'swagger-ui-express';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { OpenAPIRegistry } from '../../http/openapi';

export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

const CHECK_TIMEOUT_MS = 2_000;

async function runCheck(check: ReadinessCheck): Promise<{ name: string; ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check.check(), timeout]);
    return { name: check.name, ok: true };
  } catch (error) {
    return { name: check.name, ok: false, error: error instanceof Error ? error.message : 'failed' };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * /metrics names routes, service clients and outbox topics: with METRICS_TOKEN only a scraper
 * that presents it reads them. Digests are compared, so the check takes the same time whatever
 * the token's length.
 */
function metricsAccess(token: string | undefined): RequestHandler {
  if (!token) return (_req, _res, next) => next();
  const expected = createHash('sha256').update(token).digest();
  return (req, res, next) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
    const given = createHash('sha256').update(match?.[1] ?? '').digest();
    if (match && timingSafeEqual(given, expected)) return next();
    res.set('WWW-Authenticate', 'Bearer realm="metrics"');
    res.status(401).json({ error: { code: 'unauthenticated', message: 'The metrics token is required' } });
  };
}

export function opsRouter(options: { checks: ReadinessCheck[]; metrics: Registry; openApi: () => object; metricsToken?: string }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  router.get('/readyz', async (_req, res) => {
    const results = await Promise.all(options.checks.map(runCheck));
    const ready = results.every((result) => result.ok);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks: results });
  });
  router.get('/metrics', metricsAccess(options.metricsToken), async (_req, res) => {
    res.type(options.metrics.contentType).send(await options.metrics.metrics());
  });
  router.get('/openapi.json', (_req, res) => void res.json(options.openApi()));
  router.use('/docs', swaggerUi.serveFiles(undefined, { swaggerUrl: '/openapi.json' }), swaggerUi.setup(undefined, { swaggerUrl: '/openapi.json' }));
  return router;
}

const ReadinessBody = z
  .object({
    status: z.enum(['ready', 'not_ready']),
    checks: z.array(z.object({ name: z.string(), ok: z.boolean(), error: z.string().optional() })),
  })
  .openapi('Readiness');

/** The operations routes are plain Express routes; this describes them in the OpenAPI document. */
export function documentOpsRoutes(registry: OpenAPIRegistry): void {
  const tags = ['operations'];
  const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });
  registry.registerPath({ method: 'get', path: '/healthz', tags, summary: 'Liveness: 200 while the process serves', responses: { 200: { description: 'Serving', ...json(z.object({ status: z.literal('ok') })) } } });
  registry.registerPath({ method: 'get', path: '/readyz', tags, summary: 'Readiness: the database, MODE and Redis (when configured) answer', responses: { 200: { description: 'Ready', ...json(ReadinessBody) }, 503: { description: 'Not ready; each failed check is named', ...json(ReadinessBody) } } });
  registry.registerPath({ method: 'get', path: '/metrics', tags, summary: 'Prometheus metrics; with METRICS_TOKEN set, only for `Authorization: Bearer <METRICS_TOKEN>`', responses: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: z.string() } } }, 401: { description: 'METRICS_TOKEN is set and was not presented' } } });
  registry.registerPath({ method: 'get', path: '/openapi.json', tags, summary: 'This OpenAPI document', responses: { 200: { description: 'OpenAPI 3 document', ...json(z.object({}).passthrough()) } } });
}
