/**
 * The Webhooks Smart Module: POSTs each event to every Event Webhook, signed with
 * `X-Mode-Signature` = hex HMAC-SHA256(key, url + body), retrying a dead or failing receiver a few times.
 */
import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EmulatorLogger, WebhookConfig } from './types';

export interface ModeEvent {
  homeId: number;
  timestamp: string;
  eventType: string;
  eventData: unknown;
  originDeviceId: number;
  originDeviceClass?: string;
  originDeviceIp?: string;
}

export interface WebhookDelivery {
  url: string;
  eventType: string;
  homeId: number;
  attempts: number;
  /** HTTP status of the last attempt, or the network error's code. */
  outcome: number | string;
  delivered: boolean;
}

const retryDelaysMs = [100, 400, 1600];
const attemptTimeoutMs = 5000;
const maxKeptDeliveries = 1000;

export function signature(key: string, url: string, body: string): string {
  return createHmac('sha256', key).update(url + body).digest('hex');
}

export class Webhooks {
  private hooks: WebhookConfig[];
  private readonly closing = new AbortController();
  readonly deliveries: WebhookDelivery[] = [];

  constructor(
    hooks: WebhookConfig[],
    private readonly logger: EmulatorLogger,
  ) {
    this.hooks = [...hooks];
  }

  setHooks(hooks: WebhookConfig[]): void {
    this.hooks = [...hooks];
  }

  list(): WebhookConfig[] {
    return [...this.hooks];
  }

  /** Resolves once every webhook has taken the event or has been given up on; never rejects. */
  async deliver(event: ModeEvent): Promise<void> {
    const body = JSON.stringify(event);
    await Promise.all(this.hooks.map((hook) => this.deliverTo(hook, event, body)));
  }

  close(): void {
    this.closing.abort();
  }

  private async deliverTo(hook: WebhookConfig, event: ModeEvent, body: string): Promise<void> {
    const delivery: WebhookDelivery = {
      url: hook.url, eventType: event.eventType, homeId: event.homeId, attempts: 0, outcome: 0, delivered: false,
    };
    this.deliveries.push(delivery);
    if (this.deliveries.length > maxKeptDeliveries) this.deliveries.shift();
    const headers = { 'content-type': 'application/json', 'x-mode-signature': signature(hook.key, hook.url, body) };
    for (let attempt = 0; !this.closing.signal.aborted; attempt++) {
      delivery.attempts++;
      delivery.outcome = await this.post(hook.url, headers, body);
      delivery.delivered = typeof delivery.outcome === 'number' && delivery.outcome >= 200 && delivery.outcome < 300;
      const delay = retryDelaysMs[attempt];
      if (delivery.delivered || delay === undefined) break;
      try {
        await sleep(delay, undefined, { signal: this.closing.signal });
      } catch {
        break;
      }
    }
    if (!delivery.delivered) this.logger.warn({ delivery }, 'webhook delivery failed');
  }

  private async post(url: string, headers: Record<string, string>, body: string): Promise<number | string> {
    try {
      const signal = AbortSignal.any([this.closing.signal, AbortSignal.timeout(attemptTimeoutMs)]);
      const response = await fetch(url, { method: 'POST', headers, body, signal });
      await response.arrayBuffer().catch(() => undefined);
      return response.status;
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      return cause?.code ?? (error as Error).name;
    }
  }
}
