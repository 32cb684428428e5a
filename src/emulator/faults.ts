/** Fault injection: slow, failing or dropped answers for the requests a fault's pattern matches. */
import { setTimeout as sleepFor } from 'node:timers/promises';
import { z } from 'zod';
import type { Fault } from './types';

const scope = {
  paths: z.string().refine(isRegex, 'not a regular expression').optional(),
  count: z.number().int().positive().optional(),
};

export const faultSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('latency'), ms: z.number().int().min(0).max(600_000), ...scope }),
  z.object({ kind: z.literal('status'), status: z.number().int().min(400).max(599), ...scope }),
  z.object({ kind: z.literal('drop'), ...scope }),
]);

function isRegex(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

export class Faults {
  private fault: Fault | null = null;
  private pattern: RegExp | null = null;
  private remaining = Infinity;
  private readonly closing = new AbortController();

  constructor(private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void> = (ms, signal) => sleepFor(ms, undefined, { signal })) {}

  /** Throws when the fault is malformed, so a typo does not silently inject nothing. */
  set(fault: Fault | null): void {
    this.fault = fault === null ? null : faultSchema.parse(fault);
    this.pattern = this.fault?.paths === undefined ? null : new RegExp(this.fault.paths);
    this.remaining = this.fault?.count ?? Infinity;
  }

  current(): Fault | null {
    return this.fault;
  }

  /** The fault that applies to this request ("METHOD /path"), counting it against `count`. */
  take(methodAndPath: string): Fault | null {
    const fault = this.fault;
    if (!fault || (this.pattern && !this.pattern.test(methodAndPath))) return null;
    if (--this.remaining <= 0) this.set(null);
    return fault;
  }

  /** Waits out a latency fault; resolves false when the emulator closes meanwhile. */
  async delay(ms: number): Promise<boolean> {
    try {
      await this.sleep(ms, this.closing.signal);
      return true;
    } catch {
      return false;
    }
  }

  close(): void {
    this.closing.abort();
  }
}
