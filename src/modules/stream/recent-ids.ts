/** The last `capacity` IDs seen, to drop an event that reaches the hub twice (bus repeats). */
export class RecentIds {
  private readonly seen = new Set<string>();
  /** The IDs in the order seen, oldest at `next` once full: evicting one is O(1), not a shift. */
  private readonly ring: (string | undefined)[];
  private next = 0;

  constructor(private readonly capacity: number) {
    this.ring = new Array<string | undefined>(capacity).fill(undefined);
  }

  /** False when the ID was seen already. */
  add(id: string): boolean {
    if (this.seen.has(id)) return false;
    const oldest = this.ring[this.next];
    if (oldest !== undefined) this.seen.delete(oldest);
    this.ring[this.next] = id;
    this.next = (this.next + 1) % this.capacity;
    this.seen.add(id);
    return true;
  }
}
