import type { Response } from 'express';
import type { EventView } from '../events/events.schemas';

// One Server-Sent Events response. Events are written as `id: <event id>` + `data: <JSON>`, so a
// browser's EventSource sends the last ID back as Last-Event-ID when it reconnects. While the
// stored history is replayed, live events wait in a buffer and are sent after it, without repeats.

/** A client that does not read its stream is dropped rather than buffered without bound. */
const MAX_UNSENT_BYTES = 1024 * 1024;
const RECONNECT_AFTER_MS = 3_000;

export class SseConnection {
  closed = false;
  removed = false;
  homes: Set<number>;
  private replaying: boolean;
  private pending: EventView[] = [];

  constructor(
    readonly userId: string,
    private readonly res: Response,
    homes: number[],
    replaying: boolean,
  ) {
    this.homes = new Set(homes);
    this.replaying = replaying;
  }

  start(): void {
    this.res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      // nginx and similar proxies would otherwise hold events back in a buffer.
      'X-Accel-Buffering': 'no',
    });
    this.res.flushHeaders();
    this.raw(`retry: ${RECONNECT_AFTER_MS}\n: connected\n\n`);
  }

  /** A live event: sent now, or after the replay in progress. */
  deliver(event: EventView): void {
    if (this.replaying) this.pending.push(event);
    else this.write(event);
  }

  write(event: EventView): void {
    this.raw(`id: ${event.id}\ndata: ${JSON.stringify(event)}\n\n`);
  }

  writeNamed(name: string, data: unknown): void {
    this.raw(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  finishReplay(replayed: Set<string>): void {
    this.replaying = false;
    const waiting = this.pending;
    this.pending = [];
    for (const event of waiting) if (!replayed.has(event.id)) this.write(event);
  }

  heartbeat(): void {
    this.raw(': heartbeat\n\n');
  }

  end(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.res.writableEnded) this.res.end();
  }

  private raw(text: string): void {
    if (this.closed || this.res.writableEnded || this.res.destroyed) return;
    if (this.res.writableLength > MAX_UNSENT_BYTES) {
      this.res.destroy();
      return;
    }
    this.res.write(text);
  }
}
