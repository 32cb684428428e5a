/** The control API over HTTP under `/_emulator`, for the device simulator and manual testing. */
import { Router, type Request } from 'express';
import { z } from 'zod';
import { webhookSchema } from './control';
import { ModeError } from './errors';
import { faultSchema } from './faults';
import { modesSchema } from './modes';
import type { EmulatorControl } from './types';
import { nonEmpty, pathId } from './validate';

const projectKeyRequest = z.object({ byou: z.boolean(), canSendEvents: z.boolean().optional() });
const deviceRequest = z.object({ deviceClass: nonEmpty, name: z.string().optional(), tag: z.string().optional() });
const claimableRequest = z.object({ claimable: z.boolean() });
const eventRequest = z.object({ eventType: nonEmpty, eventData: z.unknown().optional() });
const webhooksRequest = z.union([z.array(webhookSchema), z.object({ webhooks: z.array(webhookSchema) })]);

function body<S extends z.ZodType>(req: Request, schema: S): z.output<S> {
  const result = schema.safeParse(req.body);
  if (!result.success) throw new ModeError(400, 'INVALID_INPUT');
  return result.data;
}

export function controlRoutes(control: EmulatorControl): Router {
  const router = Router();

  router.get('/state', (_req, res) => void res.json(control.getState()));
  router.get('/requests', (_req, res) => void res.json(control.requests()));

  router.post('/reset', (_req, res) => {
    control.reset();
    res.status(204).end();
  });

  router.post('/project-keys', (req, res) => {
    res.status(201).json({ key: control.createProjectKey(body(req, projectKeyRequest)) });
  });

  router.post('/devices', (req, res) => {
    res.status(201).json(control.provisionDevice(body(req, deviceRequest)));
  });

  router.post('/devices/:deviceId/claimable', (req, res) => {
    control.setClaimable(pathId(req.params.deviceId), body(req, claimableRequest).claimable);
    res.status(204).end();
  });

  router.post('/devices/:deviceId/events', async (req, res) => {
    await control.emitDeviceEvent(pathId(req.params.deviceId), body(req, eventRequest));
    res.status(204).end();
  });

  router.post('/users/:userId/revoke-keys', (req, res) => {
    control.revokeUserKeys(pathId(req.params.userId));
    res.status(204).end();
  });

  router.post('/webhooks', (req, res) => {
    const request = body(req, webhooksRequest);
    control.setWebhooks(Array.isArray(request) ? request : request.webhooks);
    res.status(204).end();
  });

  router.post('/fault', (req, res) => {
    control.setFault(body(req, faultSchema));
    res.status(204).end();
  });

  router.get('/modes', (_req, res) => void res.json(control.getModes()));

  router.post('/modes', (req, res) => void res.json(control.setModes(body(req, modesSchema))));

  router.delete('/fault', (_req, res) => {
    control.setFault(null);
    res.status(204).end();
  });

  return router;
}
