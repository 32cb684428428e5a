import type { AuditRepository } from '../audit/audit.repository';
import type { UsersRepository, UserWithLink } from '../users/users.repository';
import type { AccountLinker, Client } from './auth.service';
import type { LegacyAuthClient, LegacyRefusal } from './legacy-auth.client';
import { hashPassword } from './passwords';

// Migration at login: an e-mail unknown here is asked of the old system (LEGACY_AUTH_URL); when
// it confirms the password, the account is created (argon2id, the old system's name and word on
// the e-mail) and linked to MODE like a registration. From then on the account is local and
// the old system is never asked about it again. One question per e-mail at a time: a second
// login for the same e-mail waits for the first and then finds the account it created.

export type LegacyOutcome =
  | { kind: 'created'; user: UserWithLink }
  /** The account exists after all (created meanwhile): verify the password locally. */
  | { kind: 'exists'; user: UserWithLink }
  | { kind: 'refused'; reason: LegacyRefusal };

export class LegacyMigration {
  private readonly turns = new OnePerKey();

  constructor(
    private readonly legacy: LegacyAuthClient,
    private readonly users: UsersRepository,
    private readonly audit: AuditRepository,
    private readonly linker: AccountLinker,
    private readonly adminEmails: string[],
  ) {}

  signIn(email: string, password: string, client: Client): Promise<LegacyOutcome> {
    return this.turns.run(email, async () => {
      const existing = await this.users.findByEmail(email);
      if (existing) return { kind: 'exists', user: existing };
      const answer = await this.legacy.check(email, password);
      if (!answer.accepted) return { kind: 'refused', reason: answer.reason };
      const passwordHash = await hashPassword(password);
      const { name, emailVerified } = answer.account;
      // ADMIN_EMAILS counts only for an owner of the address: here, when the old system vouches for it.
      const role = emailVerified && this.adminEmails.includes(email) ? 'admin' : 'user';
      let created: UserWithLink;
      try {
        created = await this.users.create({ email, name, passwordHash, role, status: 'active', source: 'legacy_auth', emailVerified });
      } catch (error) {
        // Another instance migrated the same account a moment ago.
        const raced = (error as { code?: string }).code === 'P2002' ? await this.users.findByEmail(email) : null;
        if (raced) return { kind: 'exists', user: raced };
        throw error;
      }
      await this.audit.record({ actorType: 'user', actorId: created.id, action: 'user.legacy_migrate', targetType: 'user', targetId: created.id, result: 'success', ip: client.ip, details: { source: 'legacy_auth', role, emailVerified } });
      await this.linker.tryLink(created.id);
      return { kind: 'created', user: (await this.users.findById(created.id)) ?? created };
    });
  }
}

/** Runs tasks of one key one after the other, tasks of different keys side by side. */
class OnePerKey {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await task();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
