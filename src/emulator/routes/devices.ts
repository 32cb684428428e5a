/** Devices of homes: listing, details, changes and commands. */
import { Router } from 'express';
import { z } from 'zod';
import type { EmulatorContext } from '../context';
import { accessDenied, invalidInput } from '../errors';
import { sendPage } from '../paging';
import { deviceView } from '../views';
import { jsonBody, nonEmpty, pathId, queryId } from '../validate';

const deviceChanges = z.object({
  name: z.string().max(1000).optional(),
  tag: z.string().max(1000).optional(),
  firmwareVersion: z.string().max(100).optional(),
});
const command = z.object({ action: nonEmpty, parameters: z.record(z.string(), z.unknown()).optional() });

export function devicesRoutes({ store, access, sockets, modes }: EmulatorContext): Router {
  const router = Router();

  // A home named in the query that the user does not belong to is refused (403), as the reference lists.
  router.get('/devices', (req, res) => {
    const who = access.userOrProject(req.headers);
    const homeId = queryId(req.query.homeId);
    if (who.kind === 'user' && !store.membership(homeId, who.userId)) throw accessDenied();
    sendPage(req, res, store.devicesOf(homeId).map((device) => deviceView(store, device)), modes);
  });

  router.get('/devices/:deviceId', (req, res) => {
    const device = access.device(access.principal(req.headers), pathId(req.params.deviceId));
    res.json(deviceView(store, device));
  });

  // A member's key, or a project key (MODE's app client offers both).
  router.patch('/devices/:deviceId', (req, res) => {
    const device = access.device(access.userOrProject(req.headers), pathId(req.params.deviceId));
    const changes = jsonBody(req, deviceChanges);
    Object.assign(device, Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)));
    res.status(204).end();
  });

  router.delete('/devices/:deviceId', (req, res) => {
    const device = access.device(access.user(req.headers), pathId(req.params.deviceId));
    if (store.releaseDevice(device)) sockets.disconnect(device.id);
    res.status(204).end();
  });

  // MODE does not queue commands: a device that is not connected misses them, and the caller still gets 204.
  router.put('/devices/:deviceId/command', (req, res) => {
    const device = access.device(access.userOrProject(req.headers), pathId(req.params.deviceId));
    const body = jsonBody(req, command);
    sockets.sendCommand(device.id, { action: body.action, parameters: body.parameters ?? {} });
    res.status(204).end();
  });

  /** Reached only by requests without a WebSocket upgrade; upgrades are served by DeviceSockets. */
  router.get('/devices/:deviceId/command', (req, res) => {
    const who = access.principal(req.headers);
    if (who.kind !== 'device') throw accessDenied();
    access.device(who, pathId(req.params.deviceId));
    throw invalidInput(403, 'WEBSOCKET_REQUIRED');
  });

  return router;
}
