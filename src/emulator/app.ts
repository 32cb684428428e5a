/** The Express app of the emulator: the control API, then MODE's API as the reference describes it. */
import express from 'express';
import { bodyParsers } from './bodies';
import type { EmulatorContext } from './context';
import { controlRoutes } from './control-routes';
import { crossOrigin } from './cors';
import { answerErrors, injectFaults, recordRequests, unknownRoute } from './middleware';
import { authRoutes } from './routes/auth';
import { devicesRoutes } from './routes/devices';
import { eventsRoutes } from './routes/events';
import { homesRoutes } from './routes/homes';
import { deviceKvRoutes, kvRoutes } from './routes/kv';
import { membersRoutes } from './routes/members';
import { registrationRoutes } from './routes/registration';
import { usersRoutes } from './routes/users';
import type { EmulatorControl } from './types';

const modeRoutes = [
  authRoutes, usersRoutes, homesRoutes, membersRoutes, registrationRoutes, devicesRoutes, eventsRoutes, kvRoutes,
  deviceKvRoutes,
];

export function createApp(ctx: EmulatorContext, control: EmulatorControl): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use('/_emulator', express.json({ limit: '1mb' }), controlRoutes(control), unknownRoute);
  // Browsers' preflights are answered before the log and faults: they are not MODE API calls.
  app.use(crossOrigin());
  app.use(bodyParsers());
  app.use(recordRequests(ctx.requestLog), injectFaults(ctx.faults));
  for (const routes of modeRoutes) app.use(routes(ctx));
  app.use(unknownRoute);
  app.use(answerErrors(ctx.logger));
  return app;
}
