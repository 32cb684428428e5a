/** What clients sent to the MODE API, kept so tests can assert on the wire. */
import type { LoggedRequest } from './types';

const maxKeptRequests = 5000;

export class RequestLog {
  private entries: LoggedRequest[] = [];

  record(entry: LoggedRequest): void {
    this.entries.push(entry);
    if (this.entries.length > maxKeptRequests) this.entries.shift();
  }

  list(): LoggedRequest[] {
    return structuredClone(this.entries);
  }

  clear(): void {
    this.entries = [];
  }
}
