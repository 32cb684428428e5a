/**
 * Keeps an emulated project's data in one file, so a restarted emulator still knows its users,
 * homes, devices and keys. The store is saved whole and generically: every own property, Maps
 * and Sets included, as plain JSON data, so new kinds of objects in the store persist unchanged.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { EmulatorLogger } from './types';

const FORMAT = 1;

interface StateFile {
  format: number;
  projectId: number;
  state: unknown;
}

/** The store as a plain-data tree: Maps, Sets, non-finite numbers and Dates become tagged objects. */
export function encode(value: unknown): unknown {
  if (value instanceof Map) return { $map: [...value].map(([key, item]) => [encode(key), encode(item)]) };
  if (value instanceof Set) return { $set: [...value].map(encode) };
  if (value instanceof Date) return { $date: value.toISOString() };
  if (typeof value === 'number' && !Number.isFinite(value)) return { $number: String(value) };
  if (Array.isArray(value)) return value.map(encode);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, encode(item)]));
  }
  return value;
}

export function decode(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decode);
  if (value === null || typeof value !== 'object') return value;
  const tagged = value as Record<string, unknown>;
  const keys = Object.keys(tagged);
  if (keys.length === 1) {
    if (Array.isArray(tagged.$map)) return new Map((tagged.$map as [unknown, unknown][]).map(([key, item]) => [decode(key), decode(item)]));
    if (Array.isArray(tagged.$set)) return new Set((tagged.$set as unknown[]).map(decode));
    if (typeof tagged.$date === 'string') return new Date(tagged.$date);
    if (typeof tagged.$number === 'string') return Number(tagged.$number);
  }
  return Object.fromEntries(Object.entries(tagged).map(([key, item]) => [key, decode(item)]));
}

/** Puts saved properties back into a freshly constructed store; names the store no longer has are skipped. */
export function restoreInto(target: object, saved: Record<string, unknown>): void {
  const fields = target as Record<string, unknown>;
  for (const [name, value] of Object.entries(saved)) {
    if (!(name in fields)) continue;
    const current = fields[name];
    if (current instanceof Map && value instanceof Map) {
      current.clear();
      for (const [key, item] of value) current.set(key, item);
    } else if (current instanceof Set && value instanceof Set) {
      current.clear();
      for (const item of value) current.add(item);
    } else if (typeof current === typeof value && typeof current !== 'function' && typeof current !== 'object') {
      fields[name] = value;
    }
  }
}

export interface StorePersistence {
  /** Fills the store from the file; false when there is no file (or it belongs to another project). */
  load(): boolean;
  /** Saves soon; calls made while a save runs are folded into the next one. */
  scheduleSave(): void;
  /** Writes the current state now, after any save in progress. */
  flush(): Promise<void>;
}

/**
 * Saves `store` (an object with `projectId`) to `file`. Each save writes a temporary file readable
 * by this user only (it holds API keys) and renames it over the old one, so a crash mid-write
 * leaves the previous state intact.
 */
export function persistStore(store: { readonly projectId: number }, file: string, logger: EmulatorLogger): StorePersistence {
  let saving: Promise<void> | undefined;
  let again = false;

  async function write(): Promise<void> {
    const data: StateFile = { format: FORMAT, projectId: store.projectId, state: encode({ ...store }) };
    const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(temporary, JSON.stringify(data), { mode: 0o600 });
      await rename(temporary, file);
    } catch (error) {
      await rm(temporary, { force: true });
      logger.warn({ file, error: error instanceof Error ? error.message : String(error) }, 'could not save the emulator state');
    }
  }

  function run(): Promise<void> {
    saving ??= (async () => {
      do {
        again = false;
        await write();
      } while (again);
    })().finally(() => (saving = undefined));
    return saving;
  }

  return {
    load() {
      mkdirSync(dirname(file), { recursive: true });
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        return false;
      }
      let saved: StateFile;
      try {
        saved = JSON.parse(text) as StateFile;
      } catch (error) {
        throw new Error(`${file} is not a readable emulator state (${(error as Error).message}); move it away to start with an empty emulator`);
      }
      if (saved.format !== FORMAT || saved.projectId !== store.projectId) {
        logger.warn({ file, projectId: saved.projectId }, 'the saved emulator state is of another project or format; starting empty');
        return false;
      }
      restoreInto(store, decode(saved.state) as Record<string, unknown>);
      return true;
    },
    scheduleSave() {
      if (saving) again = true;
      else void run();
    },
    async flush() {
      if (saving) {
        again = true;
        await saving;
      } else {
        await run();
      }
    },
  };
}
