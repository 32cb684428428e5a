import type { Socket } from 'node:net';
import type { Response } from 'express';
import type { DeviceStateChange } from '../devices/device-state.schemas';
import type { EventView } from '../events/events.schemas';

// One Server-Sent Events response. Events are written as `id: <event id>` + `data: <JSON>`, so a
// browser's EventSource sends the last ID back as Last-Event-ID when it reconnects. While the
// stored history is replayed, live events wait in a buffer and are sent after it, without repeats.
// Device state changes are named `device-state` messages without an `id:`, so they neither reach
// EventSource.onmessage nor move the Last-Event-ID a reconnect resumes from.

/** A client that does not read its stream is dropped rather than buffered without bound. */
const MAX_UNSENT_BYTES = 1024 * 1024;
const RECONNECT_AFTER_MS = 3_000;
export const DEVICE_STATE_MESSAGE = 'device-state';

type Live = { event: EventView } | { change: DeviceStateChange };

// Frames are encoded once per message, not once per stream: a home with thousands of open streams
// would otherwise serialize and encode the same event thousands of times. Each frame also carries
// its HTTP/1.1 chunk (size line, bytes, CRLF), so a stream can hand it to its socket in one write
// instead of going through the response's chunked encoding (four pieces and a deferred flush) per stream.

export interface Frame {
  body: Buffer;
  chunk: Buffer;
}

const CRLF = Buffer.from('\r\n');

export function frameOf(text: string): Frame {
  const body = Buffer.from(text);
  return { body, chunk: Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, CRLF]) };
}

/** An event as its SSE frame (`id:` + `data:`), encoded once for every stream that carries it. */
export function eventFrame(event: EventView): Frame {
  return frameOf(`id: ${event.id}\ndata: ${JSON.stringify(event)}\n\n`);
}

/** A named message (`event:` + `data:`, no `id:`), encoded once for every stream that carries it. */
export function namedFrame(name: string, data: unknown): Frame {
  return frameOf(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
}

const HEARTBEAT_FRAME = frameOf(': heartbeat\n\n');

const uncork = (socket: Socket) => socket.uncork();

export class SseConnection {
  closed = false;
  removed = false;
  homes: Set<number>;
  private replaying: boolean;
  private pending: Live[] = [];

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
    this.raw(frameOf(`retry: ${RECONNECT_AFTER_MS}\n: connected\n\n`));
  }

  /** A live event (`frame` is its eventFrame): sent now, or after the replay in progress. */
  deliver(event: EventView, frame: Frame): void {
    if (this.replaying) this.pending.push({ event });
    else this.raw(frame);
  }

  /** A device's new latest value (`frame` its device-state frame): sent now, or after the replay in progress (in arrival order with events). */
  deliverDeviceState(change: DeviceStateChange, frame: Frame): void {
    if (this.replaying) this.pending.push({ change });
    else this.raw(frame);
  }

  write(event: EventView): void {
    this.raw(eventFrame(event));
  }

  writeNamed(name: string, data: unknown): void {
    this.raw(namedFrame(name, data));
  }

  finishReplay(replayed: Set<string>): void {
    this.replaying = false;
    const waiting = this.pending;
    this.pending = [];
    for (const live of waiting) {
      if ('change' in live) this.writeNamed(DEVICE_STATE_MESSAGE, live.change);
      else if (!replayed.has(live.event.id)) this.write(live.event);
    }
  }

  heartbeat(): void {
    this.raw(HEARTBEAT_FRAME);
  }

  end(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.res.writableEnded) this.res.end();
  }

  private raw(frame: Frame): void {
    if (this.closed || this.res.writableEnded || this.res.destroyed) return;
    if (this.res.writableLength > MAX_UNSENT_BYTES) {
      this.res.destroy();
      return;
    }
    // Straight to the socket only while the response holds nothing back itself (its writable
    // length is the socket's), so the bytes keep their order; HTTP/1.0 clients get no chunks.
    // Held until the end of this turn, as the response's own writes are: what reaches one stream
    // in one turn (an event and its device state change) leaves in one write.
    const socket = this.res.socket;
    if (socket && this.res.chunkedEncoding && this.res.headersSent && this.res.writableLength === socket.writableLength) {
      if (!socket.writableCorked) {
        socket.cork();
        process.nextTick(uncork, socket);
      }
      socket.write(frame.chunk);
    } else this.res.write(frame.body);
  }
}
