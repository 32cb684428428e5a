/** Homes: containers of devices, owned by their members. Also the home's Smart Modules. */
import { Router } from 'express';
import { z } from 'zod';
import type { EmulatorContext } from '../context';
import { accessDenied, notFound } from '../errors';
import { sendPage } from '../paging';
import { now } from '../store';
import { homeView } from '../views';
import { jsonBody, nonEmpty, pathId, queryId } from '../validate';

const timezone = z.string().refine((name) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
});
const newHome = z.object({ name: nonEmpty, timezone: timezone.optional() });
const homeChanges = z.object({ name: nonEmpty.optional(), timezone: timezone.optional() });

export function homesRoutes({ store, access, sockets, modes }: EmulatorContext): Router {
  const router = Router();
  // The project's one Smart Module, in MODE's model, created with the emulator.
  const smartModules = [{
    id: 'webhooks',
    description: 'Webhooks: forwards the events of the home to Event Webhook URLs',
    moduleType: 'webhooks',
    suspended: false,
    version: 1,
    creationTime: now(),
  }];

  router.get('/homes', (req, res) => {
    const who = access.userOrProject(req.headers);
    const userId = queryId(req.query.userId);
    if (who.kind === 'user' && who.userId !== userId) throw accessDenied();
    sendPage(req, res, store.homesOf(userId).map((home) => homeView(store, home)), modes, true);
  });

  router.post('/homes', (req, res) => {
    const who = access.user(req.headers);
    const body = jsonBody(req, newHome);
    const home = { id: store.nextId(), name: body.name, timezone: body.timezone ?? 'UTC', creationTime: now() };
    store.homes.set(home.id, home);
    store.addMember(home.id, who.userId, 'owner');
    res.status(201).location(`/homes/${home.id}`).json(homeView(store, home));
  });

  router.get('/homes/:homeId', (req, res) => {
    const who = access.userOrProject(req.headers);
    res.json(homeView(store, access.home(who, pathId(req.params.homeId))));
  });

  router.patch('/homes/:homeId', (req, res) => {
    const { home } = access.membership(access.user(req.headers), pathId(req.params.homeId));
    const changes = jsonBody(req, homeChanges);
    if (changes.name !== undefined) home.name = changes.name;
    if (changes.timezone !== undefined) home.timezone = changes.timezone;
    res.status(204).end();
  });

  router.delete('/homes/:homeId', (req, res) => {
    const { home, membership } = access.membership(access.user(req.headers), pathId(req.params.homeId));
    if (membership.role !== 'owner') throw accessDenied();
    for (const device of store.deleteHome(home.id)) sockets.disconnect(device.id);
    res.status(204).end();
  });

  router.get('/homes/:homeId/smartModules', (req, res) => {
    access.home(access.userOrProject(req.headers), pathId(req.params.homeId));
    sendPage(req, res, smartModules, modes);
  });

  router.get('/homes/:homeId/smartModules/:moduleId', (req, res) => {
    access.home(access.userOrProject(req.headers), pathId(req.params.homeId));
    const module = smartModules.find((candidate) => candidate.id === req.params.moduleId);
    if (!module) throw notFound();
    res.json(module);
  });

  return router;
}
