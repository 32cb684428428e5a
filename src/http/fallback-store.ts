import { MemoryStore, type IncrementResponse, type Options, type Store } from 'express-rate-limit';

// Rate limits shared through Redis must not vanish when Redis does: while the shared store
// fails, each instance counts in memory (limits then hold per instance instead of across
// all), and the shared store is used again as soon as it answers.

export interface FallbackStoreOptions {
  /** Told once per outage, when the shared store first fails. */
  onFailure: (error: unknown) => void;
  /** Told when the shared store answers again after an outage. */
  onRecovery: () => void;
}

export class FallbackStore implements Store {
  private readonly local = new MemoryStore();
  private failing = false;

  constructor(
    private readonly shared: Store,
    private readonly options: FallbackStoreOptions,
  ) {}

  get prefix(): string | undefined {
    return this.shared.prefix;
  }

  async init(options: Options): Promise<void> {
    this.local.init(options);
    try {
      await this.shared.init?.(options);
    } catch (error) {
      this.failed(error);
    }
  }

  async increment(key: string): Promise<IncrementResponse> {
    try {
      const counted = await this.shared.increment(key);
      this.recovered();
      return counted;
    } catch (error) {
      this.failed(error);
      return this.local.increment(key);
    }
  }

  async decrement(key: string): Promise<void> {
    await this.either((store) => store.decrement(key));
  }

  async resetKey(key: string): Promise<void> {
    await this.either((store) => store.resetKey(key));
  }

  shutdown(): void {
    this.local.shutdown();
  }

  private async either(work: (store: Store) => Promise<void> | void): Promise<void> {
    await work(this.local);
    try {
      await work(this.shared);
    } catch (error) {
      this.failed(error);
    }
  }

  private failed(error: unknown): void {
    if (this.failing) return;
    this.failing = true;
    this.options.onFailure(error);
  }

  private recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    this.options.onRecovery();
  }
}
