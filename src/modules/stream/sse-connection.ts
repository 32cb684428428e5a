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

/** A live message as it reached the hub: replayed later if the stream is still catching up. */
export type Live = { event: EventView } | { change: DeviceStateChange };

// Frames are encoded once per message, not once per stream: a home with thousands of open streams
// would otherwise serialize and encode the same event thousands of times. Each frame also carries
// its HTTP/1.1 chunk (size line, bytes, CRLF), so a stream hands it to its socket in one write
// instead of going through the response's chunked encoding (four pieces and a deferred flush).

export interface Frame {
  body: Buffer;
  chunk: Buffer;
}

const CRLF = Buffer.from('\r\n');

function frameOfBytes(body: Buffer): Frame {
  return { body, chunk: Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, CRLF]) };
}

export function frameOf(text: string): Frame {
  return frameOfBytes(Buffer.from(text));
}

/** Several frames as one: one chunk, so a stream that gets them all sends them in one write. */
export function joinFrames(frames: Frame[]): Frame {
  return frames.length === 1 ? frames[0]! : frameOfBytes(Buffer.concat(frames.map((frame) => frame.body)));
}

/** An event as its SSE frame (`id:` + `data:`), encoded once for every stream that carries it. */
export function eventFrame(event: EventView): Frame {
  return frameOf(`id: ${event.id}\ndata: ${JSON.stringify(event)}\n\n`);
}

/** A named message (`event:` + `data:`, no `id:`), encoded once for every stream that carries it. */
export function namedFrame(name: string, data: unknown): Frame {
  return frameOf(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
}

export const liveFrame = (live: Live): Frame => ('change' in live ? namedFrame(DEVICE_STATE_MESSAGE, live.change) : eventFrame(live.event));

const HEARTBEAT_FRAME = frameOf(': heartbeat\n\n');

export class SseConnection {
  closed = false;
  removed = false;
  homes: Set<number>;
  private replaying: boolean;
  private pending: Live[] = [];
  private socket?: Socket;

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
    this.send(frameOf(`retry: ${RECONNECT_AFTER_MS}\n: connected\n\n`));
  }

  /** Live messages in arrival order (`frame` is theirs, joined): sent now, or after the replay in progress. */
  deliver(live: Live[], frame: Frame): void {
    if (this.replaying) this.pending.push(...live);
    else this.send(frame);
  }

  /** Stored events, oldest first, in one write. */
  writeEvents(events: EventView[]): void {
    if (events.length > 0) this.send(joinFrames(events.map(eventFrame)));
  }

  writeNamed(name: string, data: unknown): void {
    this.send(namedFrame(name, data));
  }

  finishReplay(replayed: Set<string>): void {
    this.replaying = false;
    const waiting = this.pending;
    this.pending = [];
    const unsent = waiting.filter((live) => 'change' in live || !replayed.has(live.event.id));
    if (unsent.length > 0) this.send(joinFrames(unsent.map(liveFrame)));
  }

  heartbeat(): void {
    this.send(HEARTBEAT_FRAME);
  }

  end(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.res.writableEnded) this.res.end();
  }

  private send(frame: Frame): void {
    if (this.closed) return;
    const socket = this.socket ?? this.directSocket();
    const stream = socket ?? this.res;
    if (stream.destroyed || stream.writableEnded) return;
    if (stream.writableLength > MAX_UNSENT_BYTES) {
      this.res.destroy();
      return;
    }
    if (socket) socket.write(frame.chunk);
    else this.res.write(frame.body);
  }

  /**
   * The socket, once frames can go to it straight: the answer is chunked (HTTP/1.0 clients get no
   * chunks), its headers are out, and the response holds nothing back itself (its writable length
   * is the socket's), so the bytes keep their order. Only this class writes to the response, so
   * that stays true until it ends, and the check is made once.
   */
  private directSocket(): Socket | undefined {
    const socket = this.res.socket;
    if (!socket || !this.res.chunkedEncoding || !this.res.headersSent || this.res.writableLength !== socket.writableLength) return undefined;
    this.socket = socket;
    return socket;
  }
}
