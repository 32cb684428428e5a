/** Homes: containers of devices, owned by their members. Also the home's Smart Modules. */
import { Router } from 'express';
import { z } from 'zod';
import type { ProjectKey, UserKey } from '../auth';
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

  // A user's homes (`userId`), or with a project key every home of the project (`projectId`), as MODE's app client asks.
  router.get('/homes', (req, res) => {
    const who = access.userOrProject(req.headers);
    const homes = req.query.userId === undefined && req.query.projectId !== undefined
      ? projectHomes(who, queryId(req.query.projectId))
      : userHomes(who, queryId(req.query.userId));
    sendPage(req, res, homes.map((home) => homeView(store, home)), modes, true);
  });

  function userHomes(who: UserKey | ProjectKey, userId: number) {
    if (who.kind === 'user' && who.userId !== userId) throw accessDenied();
    return store.homesOf(userId);
  }

  function projectHomes(who: UserKey | ProjectKey, projectId: number) {
    if (who.kind !== 'project' || projectId !== store.projectId) throw accessDenied();
    return [...store.homes.values()];
  }

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

  // A member's key, or a project key (MODE's app client offers both).
  router.patch('/homes/:homeId', (req, res) => {
    const who = access.userOrProject(req.headers);
    const home = who.kind === 'user' ? access.membership(who, pathId(req.params.homeId)).home : access.home(who, pathId(req.params.homeId));
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
