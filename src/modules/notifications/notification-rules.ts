// Which events notify whom, and through which channels (docs/notifications.md has the table).
// The operator picks the event types that notify (NOTIFY_EVENT_TYPES); every local member of
// the event's home is notified; each user's preferences pick the channels, per event type.

export type Channel = 'inbox' | 'email' | 'webhook';
export type Channels = Record<Channel, boolean>;

export interface Preference extends Channels {
  /** An event type (or notification kind), or `*` for every type without a row of its own. */
  eventType: string;
}

/** Without any preference row: the inbox and the webhook, no e-mail (opt in). */
export const DEFAULT_CHANNELS: Readonly<Channels> = { inbox: true, email: false, webhook: true };

export const ANY_TYPE = '*';

export class NotificationRules {
  constructor(
    private readonly patterns: string[],
    /** Channels the deployment has configured; a channel that is off is off for everyone. */
    private readonly available: Readonly<Channels>,
  ) {}

  /** Does this event type notify at all? `*` matches every type, `alarm.*` every type starting with `alarm.`. */
  notifies(eventType: string): boolean {
    return this.patterns.some((pattern) =>
      pattern.endsWith('*') ? eventType.startsWith(pattern.slice(0, -1)) : pattern === eventType,
    );
  }

  /** The user's row for the type, else their `*` row, else the defaults; minus channels that are off. */
  channelsFor(eventType: string, preferences: Preference[]): Channels {
    const chosen =
      preferences.find((preference) => preference.eventType === eventType) ??
      preferences.find((preference) => preference.eventType === ANY_TYPE) ??
      DEFAULT_CHANNELS;
    return {
      inbox: chosen.inbox && this.available.inbox,
      email: chosen.email && this.available.email,
      webhook: chosen.webhook && this.available.webhook,
    };
  }

  get channels(): Readonly<Channels> {
    return this.available;
  }
}
