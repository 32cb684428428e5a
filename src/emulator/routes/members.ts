/** Home members. In a BYOU project a member is added by MODE user ID (as a form or JSON). */
import { Router } from 'express';
import { z } from 'zod';
import type { EmulatorContext } from '../context';
import { accessDenied, invalidInput, notFound } from '../errors';
import { sendPage } from '../paging';
import { memberView } from '../views';
import { formBody, formId, pathId } from '../validate';

const role = z.enum(['owner', 'member']);
// MODE's app client sends `role` with the new member; without it the member is a plain member.
const newMember = z.object({ userId: formId, role: role.optional() });
const memberChanges = z.object({ role });

export function membersRoutes({ store, access, modes }: EmulatorContext): Router {
  const router = Router();

  router.get('/homes/:homeId/members', (req, res) => {
    const home = access.home(access.userOrProject(req.headers), pathId(req.params.homeId));
    sendPage(req, res, store.membersOf(home.id).map((membership) => memberView(store, membership, modes)), modes);
  });

  /** Any member may add a member; only an owner may add another owner. */
  router.post('/homes/:homeId/members', (req, res) => {
    const { home, membership: own } = access.membership(access.user(req.headers), pathId(req.params.homeId));
    const body = formBody(req, newMember);
    if (body.role === 'owner' && own.role !== 'owner') throw accessDenied();
    if (!store.users.has(body.userId)) throw invalidInput(403, 'USER_NOT_FOUND');
    if (store.membership(home.id, body.userId)) throw invalidInput(403, 'ALREADY_MEMBER');
    const membership = store.addMember(home.id, body.userId, body.role ?? 'member');
    res.status(201).location(`/homes/${home.id}/members/${body.userId}`).json(memberView(store, membership, modes));
  });

  router.get('/homes/:homeId/members/:userId', (req, res) => {
    const home = access.home(access.userOrProject(req.headers), pathId(req.params.homeId));
    const membership = store.membership(home.id, pathId(req.params.userId));
    if (!membership) throw notFound();
    res.json(memberView(store, membership, modes));
  });

  /** Not in the v2.1 reference, but MODE's app client changes roles so. Owners only; a home keeps an owner. */
  router.patch('/homes/:homeId/members/:userId', (req, res) => {
    const { home, membership: own } = access.membership(access.user(req.headers), pathId(req.params.homeId));
    const target = store.membership(home.id, pathId(req.params.userId));
    if (!target) throw notFound();
    if (own.role !== 'owner') throw accessDenied();
    const { role: newRole } = formBody(req, memberChanges);
    const owners = store.membersOf(home.id).filter((member) => member.role === 'owner');
    if (newRole === 'member' && target.role === 'owner' && owners.length <= 1) throw invalidInput(403, 'LAST_OWNER');
    target.role = newRole;
    res.status(204).end();
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
