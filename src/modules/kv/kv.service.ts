import type { ModeClient } from '../../mode';
import type { HomeAccess } from '../homes/home-access';
import type { LinkingService } from '../linking/linking.service';
import { toKeyValueView, type KeyValueView } from './kv.schemas';

/** A home's key-value store in MODE, for its members, with the caller's key. */
export class KvService {
  constructor(
    private readonly mode: ModeClient,
    private readonly linking: LinkingService,
    private readonly access: HomeAccess,
  ) {}

  async list(userId: string, homeId: number, keyPrefix?: string): Promise<KeyValueView[]> {
    await this.access.requireMember(userId, homeId);
    const pairs = await this.linking.withUserKey(userId, (key) => this.mode.listKeyValues(key, homeId, keyPrefix));
    return pairs.map(toKeyValueView);
  }

  async get(userId: string, homeId: number, name: string): Promise<KeyValueView> {
    await this.access.requireMember(userId, homeId);
    return toKeyValueView(await this.linking.withUserKey(userId, (key) => this.mode.getKeyValue(key, homeId, name)));
  }

  async put(userId: string, homeId: number, name: string, value: unknown): Promise<void> {
    await this.access.requireRight(userId, homeId, 'kv.write');
    await this.linking.withUserKey(userId, (key) => this.mode.putKeyValue(key, homeId, name, value));
  }

  async delete(userId: string, homeId: number, name: string): Promise<void> {
    await this.access.requireRight(userId, homeId, 'kv.write');
    await this.linking.withUserKey(userId, (key) => this.mode.deleteKeyValue(key, homeId, name));
  }
}
