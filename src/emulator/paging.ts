// MODE's paging: `skip` and `limit` in the query, the slice in the `vnd.tinkermode.range` header
// as `<start>-<end>/<total>` (inclusive), or `*/<total>` when the page is empty.
import type { Request, Response } from 'express';
import { invalidInput } from './errors';
import type { EmulatorModes } from './modes';
import { optionalQueryCount } from './validate';

export const RANGE_HEADER = 'vnd.tinkermode.range';

/**
 * Answers one page of `items`. `GET /homes` always pages (MODE documents it); other lists page only
 * when a page size is set, standing for a MODE that pages them too.
 */
export function sendPage(req: Request, res: Response, items: unknown[], modes: EmulatorModes, always = false): void {
  if (!always && modes.pageSize === null) return void res.json(items);
  const skip = optionalQueryCount(req.query.skip) ?? 0;
  const limit = optionalQueryCount(req.query.limit);
  if (limit === 0) throw invalidInput(400);
  const size = Math.min(limit ?? Infinity, modes.pageSize ?? Infinity);
  const page = items.slice(skip, skip + size);
  const range = page.length > 0 ? `${skip}-${skip + page.length - 1}/${items.length}` : `*/${items.length}`;
  res.setHeader(RANGE_HEADER, range);
  res.json(page);
}
