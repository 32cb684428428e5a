import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export interface HttpMetrics {
  registry: Registry;
  middleware: RequestHandler;
  /** Counts one answered request of an Express route or of a path served without Express. */
  record(method: string, route: string, status: number, seconds: number): void;
}

// Each app gets its own registry, so several apps in one process (tests) do not collide.
export function createMetrics(): HttpMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method and route template',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const record = (method: string, route: string, status: number, seconds: number) => {
    requests.inc({ method, route, status: String(status) });
    duration.observe({ method, route }, seconds);
  };
  const middleware: RequestHandler = (req, res, next) => {
    const startedAt = performance.now();
    res.on('finish', () => {
      // Route templates, never raw paths: IDs would explode the label cardinality.
      const route = req.route?.path ? String(req.route.path) : 'unmatched';
      record(req.method, route, res.statusCode, (performance.now() - startedAt) / 1000);
    });
    next();
  };
  return { registry, middleware, record };
}
