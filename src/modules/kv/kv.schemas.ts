import { z } from 'zod';
import type { ModeKeyValue } from '../../mode';
import { ModeId } from '../homes/homes.schemas';

/** `.` and `..` would become path segments of MODE's URL and name other resources. */
const KvKey = z.string().min(1).max(255).refine((key) => key !== '.' && key !== '..', 'must not be . or ..');

export const KvParams = z.object({ homeId: ModeId, key: KvKey });

export const KvListQuery = z.object({ keyPrefix: z.string().max(255).optional().openapi({ description: 'Extension: only keys that start with this' }) });

export const PutValueBody = z
  .object({ value: z.unknown().openapi({ description: 'Any JSON value' }) })
  .strict()
  .refine((body) => body.value !== undefined, { message: 'is required', path: ['value'] })
  .openapi('PutValueRequest');

export const KeyValueView = z
  .object({ key: z.string(), value: z.unknown(), modificationTime: z.string() })
  .openapi('KeyValue');
export type KeyValueView = z.infer<typeof KeyValueView>;

export function toKeyValueView(pair: ModeKeyValue): KeyValueView {
  return { key: pair.key, value: pair.value, modificationTime: pair.modificationTime };
}
