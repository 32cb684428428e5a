import type { Response } from 'express';

// res.json without what Express's res.send spends on caching. No answer of this app is cached
// (no-store, ETags off), so there is no ETag to build and no conditional request to check for a
// 304, and the charset need not be parsed out of the Content-Type and put back on every answer.
// What goes out is what Express sends: Content-Type `application/json; charset=utf-8` (a type
// the route chose gets the charset), Content-Length, no body headers for 204 and 304, and no body
// for HEAD (Node's HTTP server drops it).

const JSON_TYPE = 'application/json; charset=utf-8';

export function sendJson(this: Response, value: unknown): Response {
  const text: string | undefined = JSON.stringify(value);
  const chosen = this.getHeader('Content-Type');
  if (chosen === undefined) this.setHeader('Content-Type', JSON_TYPE);
  else if (typeof chosen === 'string' && !/;\s*charset=/i.test(chosen)) this.setHeader('Content-Type', `${chosen}; charset=utf-8`);
  if (this.statusCode === 204 || this.statusCode === 304) {
    this.removeHeader('Content-Type');
    this.removeHeader('Content-Length');
    this.removeHeader('Transfer-Encoding');
    this.end();
    return this;
  }
  if (text === undefined) {
    this.end();
    return this;
  }
  if (!this.hasHeader('Transfer-Encoding')) this.setHeader('Content-Length', Buffer.byteLength(text));
  this.end(text);
  return this;
}
