import type { IncomingMessage, ServerResponse } from 'node:http';
import bytes from 'bytes';
import { errorBody, resolveError, setErrorHeaders } from '../../http/error-handler';
import type { HttpMetrics } from '../../http/metrics';
import { logAnsweredRequest } from '../../http/request-log';
import type { Logger } from '../../lib/logger';
import type { EventsService } from './events.service';

// MODE's Event Webhook answered on Node's HTTP server, in front of Express. It is the one route
// whose rate MODE sets, not a user: every device event is a call. Through Express (its request
// and response set-up, the router, the middleware, body-parser) a call cost the bridge about 0.75
// ms of CPU, 0.35 ms without it (docs/benchmarks.md, "Webhook ingest"), and the contract is the
// same: the same answers and error bodies, security headers, metrics and request log line. A call
// this path cannot be sure to answer exactly as Express would (another spelling of the path, no
// Content-Type or Content-Length, a compressed body, one over the size limit, a browser's Origin
// for CORS) goes to Express, which has the route too.

export const WEBHOOK_PATH = '/webhooks/mode/events';
const JSON_TYPE = 'application/json; charset=utf-8';

export interface WebhookEndpointDeps {
  events: EventsService;
  metrics: HttpMetrics;
  logger: Logger;
  /** helmet's headers, as the Express app sets them on every answer. */
  securityHeaders: Readonly<Record<string, string>>;
  /** JSON_BODY_LIMIT, as Express's body parsers read it ("100kb"). */
  bodyLimit: string;
}

/** Answers the request and returns true when it is an Event Webhook call this path takes; else false, untouched. */
export type WebhookEndpoint = (req: IncomingMessage, res: ServerResponse) => boolean;

export function webhookEndpoint(deps: WebhookEndpointDeps): WebhookEndpoint {
  const limit = bytes.parse(deps.bodyLimit);
  if (limit === null) throw new Error(`JSON_BODY_LIMIT is not a size: ${deps.bodyLimit}`);
  const resolve = resolveError(deps.logger);
  const fixedHeaders = { ...deps.securityHeaders, 'cache-control': 'no-store', 'content-type': JSON_TYPE };

  const answer = (req: IncomingMessage, res: ServerResponse, startedAt: number, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { ...fixedHeaders, 'content-length': Buffer.byteLength(text) });
    res.end(text);
    const elapsedMs = performance.now() - startedAt;
    deps.metrics.record('POST', WEBHOOK_PATH, status, elapsedMs / 1000);
    logAnsweredRequest(deps.logger, req, WEBHOOK_PATH, status, Math.round(elapsedMs));
  };
  const fail = (req: IncomingMessage, res: ServerResponse, startedAt: number, error: unknown) => {
    const appError = resolve(error, req);
    setErrorHeaders(res, appError);
    answer(req, res, startedAt, appError.status, errorBody(appError));
  };

  return (req, res) => {
    if (!takes(req, limit)) return false;
    const startedAt = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A caller gone before its body arrived gets no answer; nothing was stored.
    req.on('error', () => req.destroy());
    req.on('end', () => {
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      const signature = req.headers['x-mode-signature'];
      deps.events.receiveWebhook(body, typeof signature === 'string' ? signature : undefined).then(
        (result) => answer(req, res, startedAt, 200, result),
        (error: unknown) => fail(req, res, startedAt, error),
      );
    });
    return true;
  };
}

/** The calls answered here: POST to the exact path with a Content-Type, a declared length within the limit, no content coding, no Origin. */
function takes(req: IncomingMessage, limit: number): boolean {
  if (req.method !== 'POST' || req.url !== WEBHOOK_PATH) return false;
  const { headers } = req;
  if (headers.origin !== undefined || headers['transfer-encoding'] !== undefined) return false;
  // Express's raw body parser reads no body without a Content-Type (the signature then fails).
  if (headers['content-type'] === undefined) return false;
  const encoding = headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return false;
  const length = headers['content-length'];
  return length !== undefined && /^\d+$/.test(length) && Number(length) <= limit;
}
