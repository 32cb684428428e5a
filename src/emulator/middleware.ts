/** Express plumbing shared by every MODE route: the request log, fault injection and error answers. */
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { ModeError, reasonForStatus } from './errors';
import type { Faults } from './faults';
import type { RequestLog } from './request-log';
import type { EmulatorLogger } from './types';

export function recordRequests(log: RequestLog): RequestHandler {
  return (req, _res, next) => {
    const query = req.query as Record<string, unknown>;
    log.record({
      method: req.method,
      path: req.path,
      ...(Object.keys(query).length > 0 ? { query: { ...query } } : {}),
      ...(req.headers.authorization !== undefined ? { authorization: req.headers.authorization } : {}),
      ...(req.headers['content-type'] !== undefined ? { contentType: req.headers['content-type'] } : {}),
      body: req.body,
    });
    next();
  };
}

/** A latency fault delays the handling, so a client that gives up meanwhile still has its request carried out. */
export function injectFaults(faults: Faults): RequestHandler {
  return (req, res, next) => {
    const fault = faults.take(`${req.method} ${req.path}`);
    if (fault === null) return next();
    if (fault.kind === 'drop' && fault.afterHandling) {
      dropInsteadOfAnswering(req, res);
      return next();
    }
    if (fault.kind === 'drop') return void req.socket.destroy();
    if (fault.kind === 'status') return void res.status(fault.status).json({ reason: reasonForStatus(fault.status) });
    void faults.delay(fault.ms).then((stillOpen) => (stillOpen ? next() : req.socket.destroy()));
  };
}

/**
 * Lets the route carry the request out, then destroys the socket where the answer would be written:
 * the client cannot tell whether MODE acted (a command delivered, a member added).
 */
function dropInsteadOfAnswering(req: Request, res: Response): void {
  res.end = (() => {
    req.socket.destroy();
    return res;
  }) as Response['end'];
}

export const unknownRoute: RequestHandler = (_req, res) => {
  res.status(404).json({ reason: 'RESOURCE_NOT_FOUND' });
};

export function answerErrors(logger: EmulatorLogger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    if (error instanceof ModeError) return void res.status(error.status).json({ reason: error.reason });
    // body-parser's errors (malformed JSON, body too large) carry their own status
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return void res.status(status).json({ reason: status === 413 ? 'REQUEST_TOO_LARGE' : 'INVALID_INPUT' });
    }
    logger.warn({ err: error, method: req.method, path: req.path }, 'emulator route failed');
    res.status(500).json({ reason: 'INTERNAL_ERROR' });
  };
}
