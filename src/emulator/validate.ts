/** Input checks for MODE routes: IDs in paths and queries, and bodies in the encodings MODE accepts. */
import type { Request } from 'express';
import { z } from 'zod';
import { invalidInput, notFound } from './errors';

const idPattern = /^[1-9]\d{0,14}$/;

/** A path segment that is not an ID names no resource. */
export function pathId(value: string | string[] | undefined): number {
  if (typeof value !== 'string' || !idPattern.test(value)) throw notFound();
  return Number(value);
}

export function queryId(value: unknown): number {
  if (typeof value !== 'string' || !idPattern.test(value)) throw invalidInput(400);
  return Number(value);
}

export function optionalQueryString(value: unknown): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  throw invalidInput(400);
}

/** A non-negative integer in a query (`skip`, `limit`); undefined when absent. */
export function optionalQueryCount(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d{1,9}$/.test(value)) throw invalidInput(400);
  return Number(value);
}

/** An ID as a form field (a string) or a JSON number: MODE's own clients send both. */
export const formId = z.union([z.number().int().positive(), z.string().regex(idPattern).transform(Number)]);

/** A boolean as a form field (`true`/`false`/`1`/`0`) or in JSON. */
export const formBoolean = z.union([
  z.boolean(),
  z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1'),
]);

export const nonEmpty = z.string().trim().min(1).max(1000);

export function jsonBody<S extends z.ZodType>(req: Request, schema: S): z.output<S> {
  if (!req.is('application/json')) throw invalidInput();
  return parse(schema, req.body);
}

/**
 * Calls the reference marks "Web Form". MODE's own clients send them JSON (the app and Go device
 * libraries) or multipart (the app library's login), and MODE accepts all three, so does this.
 */
export function formBody<S extends z.ZodType>(req: Request, schema: S): z.output<S> {
  if (!req.is(['application/x-www-form-urlencoded', 'multipart/form-data', 'application/json'])) throw invalidInput();
  return parse(schema, req.body);
}

function parse<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (!result.success) throw invalidInput();
  return result.data;
}
