import type { RequestHandler } from 'express';
import { AppError, ValidationError } from '../lib/errors';

// Input a caller chose that the database cannot keep, or that costs more to walk than any real
// request needs, is refused at the door with 400, before any route, service or MODE sees it:
// - NUL and unpaired UTF-16 surrogates: PostgreSQL refuses both in text and jsonb, so they
//   would fail deep inside a write (a 500, possibly half way through a use case);
// - JSON nested deeper than MAX_JSON_DEPTH: recursive code (validation, serialization, MODE's
//   own parser) would overflow its stack;
// - path segments that are not valid percent-encoding (`%ff`).
// Device events are not the caller's choice and are kept instead (events/storable-json.ts).

export const MAX_JSON_DEPTH = 32;

// A NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function hasUnstorableText(text: string): boolean {
  return UNSTORABLE.test(text);
}

interface Finding {
  field: string;
  message: string;
}

/** The first problem in a parsed JSON value, walked without recursion; undefined when clean. */
export function findHostileJson(value: unknown, root: string, maxDepth = MAX_JSON_DEPTH): Finding | undefined {
  const pending: { value: unknown; path: string; depth: number }[] = [{ value, path: root, depth: 0 }];
  while (pending.length > 0) {
    const item = pending.pop()!;
    if (typeof item.value === 'string') {
      if (hasUnstorableText(item.value)) return { field: item.path, message: 'must not contain NUL characters or unpaired surrogates' };
      continue;
    }
    if (item.value === null || typeof item.value !== 'object') continue;
    if (item.depth >= maxDepth) return { field: item.path, message: `is nested deeper than ${maxDepth} levels` };
    for (const [key, child] of Object.entries(item.value)) {
      if (hasUnstorableText(key)) return { field: item.path, message: 'has a key with NUL characters or unpaired surrogates' };
      pending.push({ value: child, path: `${item.path}.${key}`, depth: item.depth + 1 });
    }
  }
  return undefined;
}

function decodedSegments(path: string): string[] | undefined {
  try {
    return path.split('/').map((segment) => decodeURIComponent(segment));
  } catch {
    return undefined;
  }
}

/** Refuses hostile paths, query strings and JSON bodies of the API routes with 400. */
export const refuseHostileInput: RequestHandler = (req, _res, next) => {
  // Only percent-encoding can put such characters in a path: Node's parser refuses them raw.
  const segments = req.path.includes('%') ? decodedSegments(req.path) : [];
  if (!segments) return next(new ValidationError([{ field: 'path', message: 'is not valid percent-encoding' }], 'The request path is not valid'));
  if (segments.some(hasUnstorableText)) return next(new ValidationError([{ field: 'path', message: 'must not contain NUL characters or unpaired surrogates' }]));
  const hasQuery = req.url.includes('?');
  const finding = (hasQuery ? findHostileJson(req.query, 'query') : undefined) ?? (req.body !== undefined ? findHostileJson(req.body, 'body') : undefined);
  if (finding) return next(new ValidationError([finding]));
  next();
};

/** Errors of Express's own layers (body parsing, path decoding) that carry a 4xx status. */
export function fromHttpLayer(error: unknown): AppError | undefined {
  if (!(error instanceof Error)) return undefined;
  const status = (error as { status?: unknown; statusCode?: unknown }).status ?? (error as { statusCode?: unknown }).statusCode;
  if (typeof status !== 'number' || status < 400 || status > 499) return undefined;
  if (status === 413) return new AppError(413, 'payload_too_large', 'The request body is too large');
  if (status === 415) return new AppError(415, 'unsupported_media_type', 'Unsupported body encoding');
  if (status === 400) return new ValidationError([{ field: 'request', message: 'could not be read' }], 'The request could not be read (encoding or format)');
  return new AppError(status, 'bad_request', 'The request could not be handled');
}
