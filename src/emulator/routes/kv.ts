/** The key-value store of a home, readable and writable by its members and by project keys. */
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { EmulatorContext } from '../context';
import { invalidInput, notFound } from '../errors';
import { now } from '../store';
import { jsonBody, optionalQueryString, pathId } from '../validate';

const kvKey = z.string().min(1).max(255);
const pair = z.object({ key: z.string().optional(), value: z.unknown() }).refine((body) => body.value !== undefined);

export function kvRoutes({ store, access }: EmulatorContext): Router {
  const router = Router();

  function pairsOf(req: Request) {
    const home = access.home(access.userOrProject(req.headers), pathId(req.params.homeId));
    return store.kvOf(home.id);
  }

  function keyOf(req: Request, invalid = notFound): string {
    const key = kvKey.safeParse(req.params.key);
    if (!key.success) throw invalid();
    return key.data;
  }

  router.get('/homes/:homeId/kv', (req, res) => {
    const pairs = pairsOf(req);
    const prefix = optionalQueryString(req.query.keyPrefix) ?? '';
    const matching = [...pairs.values()].filter((item) => item.key.startsWith(prefix));
    res.json(matching.sort((a, b) => a.key.localeCompare(b.key)));
  });

  router.get('/homes/:homeId/kv/:key', (req, res) => {
    const item = pairsOf(req).get(keyOf(req));
    if (!item) throw notFound();
    res.json(item);
  });

  router.put('/homes/:homeId/kv/:key', (req, res) => {
    const pairs = pairsOf(req);
    const key = keyOf(req, invalidInput);
    const body = jsonBody(req, pair);
    if (body.key !== undefined && body.key !== key) throw invalidInput();
    pairs.set(key, { key, value: body.value, modificationTime: now() });
    res.status(204).end();
  });

  router.delete('/homes/:homeId/kv/:key', (req, res) => {
    const pairs = pairsOf(req);
    const key = keyOf(req);
    if (!pairs.delete(key)) throw notFound();
    res.status(204).end();
  });

  return router;
}
