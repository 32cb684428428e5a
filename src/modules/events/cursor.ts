// Opaque page cursors: the position (timestamp, id) of the last item of a page, base64url JSON.
// Clients pass it back unchanged; anything else is refused.

import { isStorableDate } from '../../lib/bounds';

export interface Position {
  timestamp: Date;
  id: string;
}

export function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify([position.timestamp.toISOString(), position.id])).toString('base64url');
}

/** The position, or null when the text is not a cursor this service made. */
export function decodeCursor(cursor: string): Position | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [timestamp, id] = value as unknown[];
    if (typeof timestamp !== 'string' || typeof id !== 'string' || !/^[0-9a-f-]{1,36}$/i.test(id)) return null;
    const date = new Date(timestamp);
    return isStorableDate(date) ? { timestamp: date, id } : null;
  } catch {
    return null;
  }
}
