/** Home members. In a BYOU project a member is added by MODE user ID, as a Web Form. */
import { Router } from 'express';
import { z } from 'zod';
import type { EmulatorContext } from '../context';
import { accessDenied, invalidInput, notFound } from '../errors';
import { memberView } from '../views';
import { formBody, formId, pathId } from '../validate';

const newMember = z.object({ userId: formId });

export function membersRoutes({ store, access }: EmulatorContext): Router {
  const router = Router();

  router.get('/homes/:homeId/members', (req, res) => {
    const home = access.home(access.userOrProject(req.headers), pathId(req.params.homeId));
    res.json(store.membersOf(home.id).map((membership) => memberView(store, membership)));
  });

  router.post('/homes/:homeId/members', (req, res) => {
    const { home } = access.membership(access.user(req.headers), pathId(req.params.homeId));
    const { userId } = formBody(req, newMember);
    if (!store.users.has(userId)) throw invalidInput(403, 'USER_NOT_FOUND');
    if (store.membership(home.id, userId)) throw invalidInput(403, 'ALREADY_MEMBER');
    const membership = store.addMember(home.id, userId, 'member');
    res.status(201).location(`/homes/${home.id}/members/${userId}`).json(memberView(store, membership));
  });

  router.get('/homes/:homeId/members/:userId', (req, res) => {
    const home = access.home(access.userOrProject(req.headers), pathId(req.params.homeId));
    const membership = store.membership(home.id, pathId(req.params.userId));
    if (!membership) throw notFound();
    res.json(memberView(store, membership));
  });

  /** Anyone may leave a home; only an owner may remove somebody else. */
  router.delete('/homes/:homeId/members/:userId', (req, res) => {
    const who = access.user(req.headers);
    const { home, membership: own } = access.membership(who, pathId(req.params.homeId));
    const userId = pathId(req.params.userId);
    if (!store.membership(home.id, userId)) throw notFound();
    if (userId !== who.userId && own.role !== 'owner') throw accessDenied();
    store.members.get(home.id)?.delete(userId);
    res.status(204).end();
  });

  return router;
}
