import Redis from 'ioredis';
import pino from 'pino';
import { AccountPrincipals } from '../../src/modules/auth/principals';
import { RedisChangeBus } from '../../src/modules/stream/redis-change-bus';
import type { UsersRepository } from '../../src/modules/users/users.repository';
import { describeNeeding, needs, redisUrl } from '../support/requirements';

// Two instances on one Redis: an account change made on one reaches the other's principal cache
// at once (not after its TTL). Needs TEST_REDIS_URL.

describeNeeding([needs.redis], 'account changes across instances', () => {
  const connections: Redis[] = [];
  afterAll(async () => void (await Promise.all(connections.map((c) => c.quit()))));

  async function instance(users: UsersRepository): Promise<AccountPrincipals> {
    const publisher = new Redis(redisUrl!);
    const subscriber = new Redis(redisUrl!);
    connections.push(publisher, subscriber);
    const bus = new RedisChangeBus(publisher, subscriber, pino({ level: 'silent' }));
    await bus.start();
    return new AccountPrincipals(users, bus, pino({ level: 'silent' }));
  }

  test('when one instance invalidates an account, then the other re-reads it on its next request', async () => {
    let status: 'active' | 'disabled' = 'active';
    let reads = 0;
    const users = { findById: async (id: string) => (reads++, { id, status, role: 'user' }) } as unknown as UsersRepository;
    const [first, second] = await Promise.all([instance(users), instance(users)]);
    expect((await second.current('u1'))?.status).toBe('active');
    expect((await second.current('u1'))?.status).toBe('active');
    expect(reads).toBe(1); // remembered

    status = 'disabled';
    const changed = new Promise<void>((resolve) => second.onChange((id) => id === 'u1' && resolve()));
    await first.invalidate('u1');
    await changed;
    expect((await second.current('u1'))?.status).toBe('disabled');
  });
});

describeNeeding([needs.redis], 'membership changes across instances', () => {
  const connections: Redis[] = [];
  afterAll(async () => void (await Promise.all(connections.map((c) => c.quit()))));

  test('when one instance announces a home, then the other hears it', async () => {
    const buses: RedisChangeBus[] = [];
    for (let i = 0; i < 2; i += 1) {
      const publisher = new Redis(redisUrl!);
      const subscriber = new Redis(redisUrl!);
      connections.push(publisher, subscriber);
      const bus = new RedisChangeBus(publisher, subscriber, pino({ level: 'silent' }));
      await bus.start();
      buses.push(bus);
    }
    const heard = new Promise<string>((resolve) => buses[1]!.subscribe('home-members', resolve));
    await buses[0]!.publish('home-members', '4242');
    await expect(heard).resolves.toBe('4242');
  });
});
