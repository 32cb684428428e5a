/** Users of the BYOU project: created by the project's own server, one per linked account. */
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { EmulatorContext } from '../context';
import { accessDenied, invalidInput, notFound } from '../errors';
import { now } from '../store';
import { userView } from '../views';
import { jsonBody, pathId } from '../validate';

const newUser = z.object({ projectId: z.number().int(), name: z.string().max(1000).optional() });
const userChanges = z.object({ name: z.string().max(1000).optional() });

export function usersRoutes({ store, access }: EmulatorContext): Router {
  const router = Router();

  /** Only the user's own key reaches a user. */
  function ownUser(req: Request) {
    const who = access.user(req.headers);
    const user = store.users.get(pathId(req.params.userId));
    if (!user || user.id !== who.userId) throw notFound();
    return user;
  }

  router.post('/users', (req, res) => {
    access.project(req.headers, { byou: true });
    const body = jsonBody(req, newUser);
    if (body.projectId !== store.projectId) throw invalidInput();
    const user = { id: store.nextId(), name: body.name ?? '', creationTime: now() };
    store.users.set(user.id, user);
    res.status(201).location(`/users/${user.id}`).json(userView(store, user));
  });

  router.get('/users/:userId', (req, res) => {
    res.json(userView(store, ownUser(req)));
  });

  router.patch('/users/:userId', (req, res) => {
    const user = ownUser(req);
    const changes = jsonBody(req, userChanges);
    if (changes.name !== undefined) user.name = changes.name;
    res.status(204).end();
  });

  // Beyond the reference's "matching user", a BYOU project key may delete any user of the project:
  // that is how the bridge unlinks an account whose user key it no longer has.
  router.delete('/users/:userId', (req, res) => {
    const who = access.principal(req.headers);
    const userId = pathId(req.params.userId);
    if (who.kind === 'device' || (who.kind === 'project' && !who.byou)) throw accessDenied();
    if (!store.users.has(userId) || (who.kind === 'user' && who.userId !== userId)) throw notFound();
    store.deleteUser(userId);
    res.status(204).end();
  });

  return router;
}
