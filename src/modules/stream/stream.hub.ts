import type { Response } from 'express';
import { Gauge, type Registry } from 'prom-client';
import { RateLimitedError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import type { DeviceStateChange } from '../devices/device-state.schemas';
import type { EventView } from '../events/events.schemas';
import type { EventBus } from './event-bus';
import { RecentIds } from './recent-ids';
import { joinFrames, liveFrame, SseConnection, type Frame, type Live } from './sse-connection';

// The live event stream: every open Server-Sent Events connection of this instance, by user and
// by home. Each event from the bus goes to the connections whose user belongs to its home. A
// client that reconnects with Last-Event-ID first gets what it missed from the stored history.
//
// What the bus delivers in one turn of the event loop (an event and the device state change it
// made) is sent at the end of that turn, each stream's share joined into one chunk: one socket
// write per stream, and for the streams of one home the same bytes, joined once.

export interface UserHomes {
  /** The user's homes when a stream opens (may reconcile with MODE). */
  atConnect(userId: string): Promise<number[]>;
  /** A cheap re-read for connections that stay open (the membership cache only). */
  current(userId: string): Promise<number[]>;
}

/** Stored events of these homes after `afterId`, oldest first. */
export type ReplaySource = (homeIds: number[], afterId: string, limit: number) => Promise<EventView[]>;

export interface StreamHubOptions {
  maxConnectionsPerUser: number;
  heartbeatMs: number;
  homesRefreshMs?: number;
  /** Most events one reconnect replays; beyond it the client is told to read the history. */
  replayLimit?: number;
}

const REPLAY_PAGE = 500;

/** Adds `value` to the set under `key`, creating the set. */
function addTo<K, V>(sets: Map<K, Set<V>>, key: K, value: V): void {
  const set = sets.get(key);
  if (set) set.add(value);
  else sets.set(key, new Set([value]));
}

/** Removes `value` from the set under `key`, and the set once empty; false when it was not there. */
function removeFrom<K, V>(sets: Map<K, Set<V>>, key: K, value: V): boolean {
  const set = sets.get(key);
  if (!set?.delete(value)) return false;
  if (set.size === 0) sets.delete(key);
  return true;
}

interface Outgoing {
  homeId: number;
  live: Live;
  frame: Frame;
}

export class StreamHub {
  private readonly byUser = new Map<string, Set<SseConnection>>();
  private readonly byHome = new Map<number, Set<SseConnection>>();
  /** Live messages of this turn, sent when it ends. */
  private outgoing: Outgoing[] = [];
  /** Slots per user, taken before the first await of open() so concurrent opens cannot overshoot. */
  private readonly slots = new Map<string, number>();
  private readonly recent = new RecentIds(4096);
  private readonly unsubscribe: (() => void)[];
  private heartbeat?: NodeJS.Timeout;
  private refresher?: NodeJS.Timeout;

  constructor(
    bus: EventBus,
    private readonly homes: UserHomes,
    private readonly replaySource: ReplaySource,
    private readonly options: StreamHubOptions,
    private readonly logger: Logger,
    metrics: Registry,
  ) {
    this.unsubscribe = [bus.subscribe((event) => this.dispatch(event)), bus.subscribeDeviceState((change) => this.dispatchDeviceState(change))];
    const hub = this;
    new Gauge({
      name: 'event_stream_connections',
      help: 'Open Server-Sent Events connections on this instance',
      registers: [metrics],
      collect() {
        this.set(hub.connectionCount());
      },
    });
  }

  /** Opens a stream on `res` for the user; 429 when the user has too many already. */
  async open(userId: string, res: Response, lastEventId?: string): Promise<void> {
    this.takeSlot(userId);
    let connection: SseConnection | undefined;
    try {
      const homes = await this.homes.atConnect(userId);
      connection = new SseConnection(userId, res, homes, lastEventId !== undefined);
      const opened = connection;
      res.on('close', () => this.remove(opened));
      if (res.destroyed) return this.remove(opened);
      this.add(opened);
      opened.start();
      if (lastEventId !== undefined) await this.replay(opened, lastEventId);
    } catch (error) {
      if (connection) this.remove(connection);
      else this.releaseSlot(userId);
      throw error;
    }
  }

  /** The homes the user's open streams carry now (operations and tests). */
  watchedHomes(userId: string): number[] {
    const homes = new Set<number>();
    for (const connection of this.byUser.get(userId) ?? []) for (const homeId of connection.homes) homes.add(homeId);
    return [...homes].sort((a, b) => a - b);
  }

  connectionCount(userId?: string): number {
    if (userId !== undefined) return this.byUser.get(userId)?.size ?? 0;
    let total = 0;
    for (const set of this.byUser.values()) total += set.size;
    return total;
  }

  /**
   * A home's members changed (on any instance): the open streams of users who watched it, and of
   * `candidates` (its members now), carry exactly their homes from the next event on.
   */
  async refreshHome(homeId: number, candidates: string[]): Promise<void> {
    const users = new Set(candidates.filter((userId) => this.byUser.has(userId)));
    for (const connection of this.byHome.get(homeId) ?? []) users.add(connection.userId);
    await this.refreshUsers([...users]);
  }

  /** Ends the user's open streams (an account that was disabled or deleted). */
  endUser(userId: string): void {
    for (const connection of [...(this.byUser.get(userId) ?? [])]) this.remove(connection);
  }

  /** Ends every stream (shutdown: open streams would otherwise keep the server from closing). */
  close(): void {
    for (const unsubscribe of this.unsubscribe) unsubscribe();
    for (const set of this.byUser.values()) for (const connection of set) connection.end();
    this.stopTimers();
  }

  private dispatch(event: EventView): void {
    if (this.recent.add(event.id)) this.queue(event.homeId, { event });
  }

  private dispatchDeviceState(change: DeviceStateChange): void {
    this.queue(change.homeId, { change });
  }

  private queue(homeId: number, live: Live): void {
    if (!this.byHome.has(homeId)) return;
    if (this.outgoing.length === 0) process.nextTick(this.sendOutgoing);
    this.outgoing.push({ homeId, live, frame: liveFrame(live) });
  }

  private readonly sendOutgoing = (): void => {
    const outgoing = this.outgoing;
    this.outgoing = [];
    const homeId = outgoing[0]?.homeId;
    if (outgoing.every((message) => message.homeId === homeId)) {
      const live = outgoing.map((message) => message.live);
      const frame = joinFrames(outgoing.map((message) => message.frame));
      for (const connection of this.byHome.get(homeId!) ?? []) connection.deliver(live, frame);
      return;
    }
    // Messages of several homes: each stream gets those of its homes, in order; streams that get
    // the same messages share their joined frame.
    const shares = new Map<SseConnection, number[]>();
    outgoing.forEach((message, index) => {
      for (const connection of this.byHome.get(message.homeId) ?? []) {
        const share = shares.get(connection);
        if (share) share.push(index);
        else shares.set(connection, [index]);
      }
    });
    const joined = new Map<string, Frame>();
    for (const [connection, share] of shares) {
      const key = share.join(',');
      let frame = joined.get(key);
      if (!frame) joined.set(key, (frame = joinFrames(share.map((index) => outgoing[index]!.frame))));
      connection.deliver(
        share.map((index) => outgoing[index]!.live),
        frame,
      );
    }
  };

  private async replay(connection: SseConnection, lastEventId: string): Promise<void> {
    const limit = this.options.replayLimit ?? 5_000;
    const replayed = new Set<string>();
    let after = lastEventId;
    while (!connection.closed) {
      const page = await this.replaySource([...connection.homes], after, REPLAY_PAGE);
      connection.writeEvents(page);
      for (const event of page) replayed.add(event.id);
      if (page.length < REPLAY_PAGE) break;
      after = page.at(-1)!.id;
      if (replayed.size >= limit) {
        connection.writeNamed('replay-truncated', { lastEventId: after, reason: 'too many missed events; read the history' });
        break;
      }
    }
    connection.finishReplay(replayed);
  }

  private takeSlot(userId: string): void {
    const taken = this.slots.get(userId) ?? 0;
    if (taken >= this.options.maxConnectionsPerUser) {
      throw new RateLimitedError(`At most ${this.options.maxConnectionsPerUser} event streams per user may be open at once`);
    }
    this.slots.set(userId, taken + 1);
  }

  private releaseSlot(userId: string): void {
    const taken = (this.slots.get(userId) ?? 1) - 1;
    if (taken <= 0) this.slots.delete(userId);
    else this.slots.set(userId, taken);
  }

  private add(connection: SseConnection): void {
    addTo(this.byUser, connection.userId, connection);
    this.index(connection);
    this.startTimers();
  }

  private remove(connection: SseConnection): void {
    if (connection.closed && connection.removed) return;
    connection.removed = true;
    connection.end();
    if (removeFrom(this.byUser, connection.userId, connection)) this.unindex(connection);
    this.releaseSlot(connection.userId);
    if (this.byUser.size === 0) this.stopTimers();
  }

  private index(connection: SseConnection): void {
    for (const homeId of connection.homes) addTo(this.byHome, homeId, connection);
  }

  private unindex(connection: SseConnection): void {
    for (const homeId of connection.homes) removeFrom(this.byHome, homeId, connection);
  }

  private setHomes(connection: SseConnection, homes: Set<number>): void {
    this.unindex(connection);
    connection.homes = homes;
    this.index(connection);
  }

  private startTimers(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => this.beat(), this.options.heartbeatMs).unref();
    this.refresher = setInterval(() => void this.refreshHomes(), this.options.homesRefreshMs ?? 60_000).unref();
  }

  private stopTimers(): void {
    clearInterval(this.heartbeat);
    clearInterval(this.refresher);
    this.heartbeat = undefined;
    this.refresher = undefined;
  }

  private beat(): void {
    for (const set of this.byUser.values()) for (const connection of set) connection.heartbeat();
  }

  /** Membership changes reach open streams within homesRefreshMs. */
  private async refreshHomes(): Promise<void> {
    await this.refreshUsers([...this.byUser.keys()]);
  }

  private async refreshUsers(userIds: string[]): Promise<void> {
    for (const userId of userIds) {
      const set = this.byUser.get(userId);
      if (!set) continue;
      try {
        const homes = new Set(await this.homes.current(userId));
        for (const connection of set) this.setHomes(connection, homes);
      } catch (error) {
        this.logger.warn({ err: error, userId }, 'could not refresh the homes of an event stream');
      }
    }
  }
}
