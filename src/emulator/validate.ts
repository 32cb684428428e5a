/** Input checks for MODE routes: IDs in paths and queries, JSON bodies and Web Form bodies. */
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

/** An ID sent as a form field. */
export const formId = z.string().regex(idPattern).transform(Number);

export const nonEmpty = z.string().trim().min(1).max(1000);

export function jsonBody<S extends z.ZodType>(req: Request, schema: S): z.output<S> {
  if (!req.is('application/json')) throw invalidInput();
  return parse(schema, req.body);
}

/** The reference marks these bodies "Web Form": JSON is refused like any other invalid data. */
export function formBody<S extends z.ZodType>(req: Request, schema: S): z.output<S> {
  if (!req.is('application/x-www-form-urlencoded')) throw invalidInput();
  return parse(schema, req.body);
}

function parse<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (!result.success) throw invalidInput();
  return result.data;
}
