// Reading a whole MODE list: MODE answers a page, sized as it likes, and reports which slice it is in
// the `vnd.tinkermode.range` header (`<start>-<end>/<total>`, inclusive, or `*/<total>` when empty).
// The client asks for the next slice with `skip`/`limit` until it has them all, within a bound.
import { ModeBadGatewayError, type ModeCallContext } from './mode.errors';

export type PageRange = { start: number; end: number; total: number } | { start: null; total: number };

/** The header's slice; undefined when absent, null when it is not MODE's format. */
export function parseRange(header: string | undefined): PageRange | undefined | null {
  if (header === undefined) return undefined;
  const slice = /^\s*(\d+)-(\d+)\/(\d+)\s*$/.exec(header);
  if (slice) {
    const [start, end, total] = slice.slice(1).map(Number) as [number, number, number];
    return start <= end && end < total ? { start, end, total } : null;
  }
  const empty = /^\s*\*\/(\d+)\s*$/.exec(header);
  return empty ? { start: null, total: Number(empty[1]) } : null;
}

export interface Page {
  items: unknown[];
  range?: string;
}

export interface PagingLimits {
  /** The `limit` the client asks for; MODE may answer fewer. */
  pageSize: number;
  /** No list is read in more requests than this, whatever the upstream says. */
  maxPages: number;
}

export const defaultPagingLimits: PagingLimits = { pageSize: 100, maxPages: 200 };

/**
 * All items of a list. `fetchPage(skip)` gets one page (the first with skip 0). An answer without
 * the header is the whole list: MODE does not page that call. A page that does not continue where
 * the previous one stopped, or a list that never ends, is a bad gateway rather than a silently
 * partial answer.
 */
export async function readAllPages(
  fetchPage: (skip: number) => Promise<Page>,
  limits: PagingLimits,
  context: ModeCallContext,
): Promise<unknown[]> {
  const items: unknown[] = [];
  const broken = (why: string) => new ModeBadGatewayError(`paged its list inconsistently (${why})`, context);
  for (let pageNumber = 0; pageNumber < limits.maxPages; pageNumber++) {
    const skip = items.length;
    const page = await fetchPage(skip);
    const range = parseRange(page.range);
    if (range === undefined) {
      if (pageNumber === 0) return page.items;
      throw broken('a later page has no range header');
    }
    if (range === null) throw broken(`unreadable range header "${page.range}"`);
    if (range.start === null) {
      if (page.items.length > 0) throw broken('an empty range with items');
      if (skip < range.total) throw broken(`an empty page at ${skip} of ${range.total}`);
      return items;
    }
    if (range.start !== skip) throw broken(`asked from ${skip}, answered from ${range.start}`);
    if (page.items.length !== range.end - range.start + 1) throw broken('the range does not match the items');
    items.push(...page.items);
    if (items.length >= range.total) return items;
  }
  throw broken(`more than ${limits.maxPages} pages`);
}
