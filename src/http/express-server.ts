import { createServer, IncomingMessage, ServerResponse, type Server } from 'node:http';
import express, { type Express } from 'express';

// Express gives each request and response its app's prototypes (`app.request`, `app.response`)
// with Object.setPrototypeOf as the request arrives. An object whose prototype changes after it
// was made costs more wherever it is used afterwards, not only at the change (engines optimise
// property access on the shape an object was born with), and here that was most of what Express
// cost a proxied call: 0.32-0.42 against 0.18-0.22 ms of CPU per GET /v1/homes/:id, same app
// (docs/benchmarks.md, "Proxy: requests born with Express's prototypes"). This server creates
// them with those prototypes; Express's setPrototypeOf then finds them in place, a no-op.

export interface ExpressServer {
  /** The Express app to build (`createApp` configures it); its requests come from `server`. */
  express: Express;
  /** Not listening yet; attach the app's request listener and listen. */
  server: Server;
}

export function expressServer(): ExpressServer {
  const app = express();
  // Subclasses, so the objects are laid out as Node's own constructors lay them out.
  class AppRequest extends IncomingMessage {}
  class AppResponse extends ServerResponse {}
  app.request = adopt(AppRequest.prototype, app.request);
  app.response = adopt(AppResponse.prototype, app.response);
  return { express: app, server: createServer({ IncomingMessage: AppRequest, ServerResponse: AppResponse }) };
}

/**
 * Makes `prototype` what `appPrototype` is (Express's methods, and the `app` it points to) and
 * returns it, to stand in for it: Express gives requests whatever `app.request` is at the time.
 */
function adopt<T extends object>(prototype: object, appPrototype: T): T {
  Object.setPrototypeOf(prototype, Object.getPrototypeOf(appPrototype));
  Object.defineProperties(prototype, Object.getOwnPropertyDescriptors(appPrototype));
  return prototype as T;
}
