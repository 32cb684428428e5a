import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { BreakerState } from './mode-breaker';
import type { ModeRequestEvent } from './mode-http';

// Prometheus series for calls to MODE, fed by the client's hooks.
export function modeMetricsHooks(registry: Registry) {
  const calls = new Counter({
    name: 'mode_requests_total',
    help: 'Attempts at MODE API calls by route template and outcome',
    labelNames: ['method', 'route', 'outcome'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'mode_request_duration_seconds',
    help: 'MODE API latency by route template',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const breaker = new Gauge({
    name: 'mode_circuit_open',
    help: '1 while the circuit breaker in front of MODE is open',
    registers: [registry],
  });
  return {
    onRequest: (event: ModeRequestEvent) => {
      calls.inc({ method: event.method, route: event.route, outcome: event.outcome });
      latency.observe({ method: event.method, route: event.route }, event.durationMs / 1000);
    },
    onBreakerStateChange: (state: BreakerState) => breaker.set(state === 'open' ? 1 : 0),
  };
}
