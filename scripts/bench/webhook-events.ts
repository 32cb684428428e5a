// Device events as MODE's Webhooks Smart Module posts them: JSON signed with the webhook key over
// the URL MODE was configured with and the exact body (x-mode-signature).
import { createHmac } from 'node:crypto';
import type { LoadSpec } from './load';
import { BENCH_DEVICE_CLASS } from './setup';

export interface WebhookTarget {
  /** The URL MODE signs (MODE_WEBHOOK_URL), which may differ from where the request is sent. */
  webhookUrl: string;
  webhookKey: string;
}

export interface BenchEvent {
  homeId: number;
  deviceId: number;
  eventData: Record<string, unknown>;
  eventType?: string;
  timestamp?: string;
}

export interface SignedEvent {
  body: string;
  headers: Record<string, string>;
}

export const WEBHOOK_PATH = '/webhooks/mode/events';

export function signedEvent(target: WebhookTarget, event: BenchEvent): SignedEvent {
  const body = JSON.stringify({
    homeId: event.homeId,
    timestamp: event.timestamp ?? new Date().toISOString(),
    eventType: event.eventType ?? 'bench-reading',
    eventData: event.eventData,
    originDeviceId: event.deviceId,
    originDeviceClass: BENCH_DEVICE_CLASS,
  });
  const signature = createHmac('sha256', target.webhookKey).update(target.webhookUrl + body).digest('hex');
  return { body, headers: { 'content-type': 'application/json', 'x-mode-signature': signature } };
}

/**
 * Numbered events of one device, each with a timestamp of its own, so deduplication keeps every
 * one of them; `sent` counts those built so far.
 */
export class EventSequence {
  private static readonly BASE = Date.UTC(2024, 0, 1);
  private seq = 0;

  constructor(
    private readonly target: WebhookTarget,
    private readonly device: { homeId: number; deviceId: number },
    private readonly data: (seq: number) => Record<string, unknown>,
  ) {}

  get sent(): number {
    return this.seq;
  }

  /** The next event; `extra` is added to its data. */
  next(extra: Record<string, unknown> = {}): SignedEvent {
    this.seq += 1;
    const timestamp = new Date(EventSequence.BASE + this.seq).toISOString();
    return signedEvent(this.target, { ...this.device, timestamp, eventData: { ...this.data(this.seq), ...extra } });
  }

  /** For autocannon: each request it sends is the next event. */
  readonly setupRequest: NonNullable<LoadSpec['setupRequest']> = (request) => ({ ...request, method: 'POST', path: WEBHOOK_PATH, ...this.next() });
}
