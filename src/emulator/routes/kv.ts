/**
 * Key-value stores: a home's, readable and writable by its members and by project keys, and a
 * device's (not in the v2.1 reference; MODE's app client uses it), also open to the device itself.
 */
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { EmulatorContext } from '../context';
import { invalidInput, notFound } from '../errors';
import type { EmulatorModes } from '../modes';
import { sendPage } from '../paging';
import { type KvPair, now } from '../store';
import { jsonBody, optionalQueryString, pathId } from '../validate';

const kvKey = z.string().min(1).max(255);
const pair = z.object({ key: z.string().optional(), value: z.unknown() }).refine((body) => body.value !== undefined);

/** The four calls of one kind of store under `base` (`/homes/:homeId/kv`), its pairs found by `pairsOf`. */
function pairRoutes(base: string, pairsOf: (req: Request) => Map<string, KvPair>, modes: EmulatorModes): Router {
  const router = Router();

  function keyOf(req: Request, invalid = notFound): string {
    const key = kvKey.safeParse(req.params.key);
    if (!key.success) throw invalid();
    return key.data;
  }

  router.get(base, (req, res) => {
    const pairs = pairsOf(req);
    const prefix = optionalQueryString(req.query.keyPrefix) ?? '';
    const matching = [...pairs.values()].filter((item) => item.key.startsWith(prefix));
    sendPage(req, res, matching.sort((a, b) => a.key.localeCompare(b.key)), modes);
  });

  router.get(`${base}/:key`, (req, res) => {
    const item = pairsOf(req).get(keyOf(req));
    if (!item) throw notFound();
    res.json(item);
  });

  router.put(`${base}/:key`, (req, res) => {
    const pairs = pairsOf(req);
    const key = keyOf(req, invalidInput);
    const body = jsonBody(req, pair);
    if (body.key !== undefined && body.key !== key) throw invalidInput();
    pairs.set(key, { key, value: body.value, modificationTime: now() });
    res.status(204).end();
  });

  router.delete(`${base}/:key`, (req, res) => {
    const pairs = pairsOf(req);
    if (!pairs.delete(keyOf(req))) throw notFound();
    res.status(204).end();
  });

  return router;
}

export function kvRoutes({ store, access, modes }: EmulatorContext): Router {
  return pairRoutes('/homes/:homeId/kv', (req) => {
    const home = access.home(access.userOrProject(req.headers), pathId(req.params.homeId));
    return store.kvOf(home.id);
  }, modes);
}

/** A device's store: its own key, a member of its home, or a project key. */
export function deviceKvRoutes({ store, access, modes }: EmulatorContext): Router {
  return pairRoutes('/devices/:deviceId/kv', (req) => {
    const device = access.device(access.principal(req.headers), pathId(req.params.deviceId));
    return store.deviceKvOf(device.id);
  }, modes);
}
