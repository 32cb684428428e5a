import { findHostileJson, hasUnstorableText } from '../../http/hostile-input';

// A device chose its event's content, not MODE and not the caller: an event PostgreSQL cannot
// keep as it is (NUL characters or unpaired surrogates anywhere, or data nested deeper than the
// bridge walks) is stored with the offending parts escaped rather than refused, because a
// refused delivery is retried by MODE until it gives up, and the event would be lost.
//
// Such an event's `eventData` becomes `{"$unstorable": {"eventData"?, "eventType"?,
// "originDeviceClass"?}}`, each value the JSON text of the original (JSON.parse gives it back);
// `eventType` and `deviceClass` keep their text with each refused character replaced by U+FFFD.

export const MAX_EVENT_DATA_DEPTH = 64;
export const UNSTORABLE_KEY = '$unstorable';

export interface EventContent {
  eventType: string;
  deviceClass: string | null;
  eventData: unknown;
}

const REFUSED = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function storableEvent(content: EventContent): EventContent {
  const escaped: Record<string, string> = {};
  if (findHostileJson(content.eventData, 'eventData', MAX_EVENT_DATA_DEPTH)) escaped.eventData = jsonText(content.eventData);
  if (hasUnstorableText(content.eventType)) escaped.eventType = JSON.stringify(content.eventType);
  if (content.deviceClass !== null && hasUnstorableText(content.deviceClass)) escaped.originDeviceClass = JSON.stringify(content.deviceClass);
  if (Object.keys(escaped).length === 0) return content;
  return {
    eventType: content.eventType.replace(REFUSED, '\ufffd'),
    deviceClass: content.deviceClass?.replace(REFUSED, '\ufffd') ?? null,
    eventData: { [UNSTORABLE_KEY]: { ...escaped, ...(escaped.eventData ? {} : { eventData: jsonText(content.eventData) }) } },
  };
}

/** JSON.stringify without recursion: data nested thousands deep would overflow the stack. */
export function jsonText(value: unknown): string {
  const out: string[] = [];
  const raw = (text: string) => ({ raw: text });
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (item !== null && typeof item === 'object' && RAW.has(item)) {
      out.push((item as { raw: string }).raw);
      continue;
    }
    if (Array.isArray(item)) {
      const parts: unknown[] = [mark(raw('['))];
      item.forEach((child, index) => parts.push(...(index > 0 ? [mark(raw(','))] : []), child === undefined ? null : child));
      parts.push(mark(raw(']')));
      for (let i = parts.length - 1; i >= 0; i -= 1) pending.push(parts[i]);
    } else if (item !== null && typeof item === 'object') {
      const entries = Object.entries(item).filter(([, child]) => child !== undefined);
      const parts: unknown[] = [mark(raw('{'))];
      entries.forEach(([key, child], index) => parts.push(mark(raw(`${index > 0 ? ',' : ''}${JSON.stringify(key)}:`)), child));
      parts.push(mark(raw('}')));
      for (let i = parts.length - 1; i >= 0; i -= 1) pending.push(parts[i]);
    } else {
      out.push(JSON.stringify(item) ?? 'null');
    }
  }
  return out.join('');
}

/** Tokens of jsonText, told apart from event data that happens to look like one. */
const RAW = new WeakSet<object>();
function mark<T extends object>(token: T): T {
  RAW.add(token);
  return token;
}
