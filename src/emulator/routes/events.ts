/** Events into MODE: from a device with its own key, or to a home with a project key. */
import { Router } from 'express';
import { z } from 'zod';
import type { EmulatorContext } from '../context';
import { accessDenied, notFound } from '../errors';
import { clientIp, deviceEvent, homeEvent } from '../events';
import { jsonBody, nonEmpty, pathId } from '../validate';

const event = z.object({ eventType: nonEmpty, eventData: z.unknown().optional() });

export function eventsRoutes({ store, access, webhooks }: EmulatorContext): Router {
  const router = Router();

  // Delivery runs after the answer: the sender never waits for (or hears about) webhook receivers.
  router.put('/homes/:homeId/event', (req, res) => {
    access.project(req.headers, { sendEvents: true });
    const homeId = pathId(req.params.homeId);
    if (!store.homes.has(homeId)) throw notFound();
    const body = jsonBody(req, event);
    void webhooks.deliver(homeEvent(homeId, body));
    res.status(204).end();
  });

  router.put('/devices/:deviceId/event', (req, res) => {
    const who = access.principal(req.headers);
    if (who.kind !== 'device') throw accessDenied();
    const device = access.device(who, pathId(req.params.deviceId));
    const body = jsonBody(req, event);
    const propagated = deviceEvent(device, body, clientIp(req.socket.remoteAddress));
    if (propagated) void webhooks.deliver(propagated);
    res.status(204).end();
  });

  return router;
}
