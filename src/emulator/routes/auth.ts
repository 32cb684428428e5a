/** API keys for users (`POST /auth/user`), the key's identity (`GET /auth`) and user sessions. */
import { Router } from 'express';
import { z } from 'zod';
import type { EmulatorContext } from '../context';
import { invalidInput } from '../errors';
import { formBody, formId } from '../validate';

const userAuthentication = z.object({ projectId: formId, userId: formId });

export function authRoutes({ store, access }: EmulatorContext): Router {
  const router = Router();

  router.post('/auth/user', (req, res) => {
    access.project(req.headers, { byou: true });
    const form = formBody(req, userAuthentication);
    if (form.projectId !== store.projectId) throw invalidInput();
    if (!store.users.has(form.userId)) throw invalidInput(403, 'USER_NOT_FOUND');
    const apiKey = store.issueUserKey(form.userId);
    res.json({ token: apiKey.key, userId: form.userId });
  });

  router.get('/auth', (req, res) => {
    const who = access.principal(req.headers);
    const projectId = store.projectId;
    if (who.kind === 'user') res.json({ type: 'user', projectId, userId: who.userId });
    else if (who.kind === 'device') res.json({ type: 'device', projectId, deviceId: who.deviceId });
    else res.json({ type: 'project', projectId, keyId: who.keyId });
  });

  router.get('/userSession', (req, res) => {
    const who = access.user(req.headers);
    res.json({ userId: who.userId, projectId: store.projectId, creationTime: who.creationTime });
  });

  router.delete('/userSession', (req, res) => {
    const who = access.user(req.headers);
    store.keys.delete(who.key);
    res.status(204).end();
  });

  return router;
}
