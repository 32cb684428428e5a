import { ConflictError, UnauthenticatedError, ValidationError } from '../../lib/errors';
import type { AuditRepository } from '../audit/audit.repository';
import type { UsersRepository, UserWithLink } from '../users/users.repository';
import { toUserView, type UserView } from '../users/users.view';
import type { AccessTokens } from './access-tokens';
import type { LegacyMigration, LegacyOutcome } from './legacy-migration';
import { readStoredHash } from './password-formats';
import { burnPasswordCheck, hashPassword, passwordWeaknesses, verifyPassword } from './passwords';
import { RefreshTokenReuseError, type RefreshTokens } from './refresh-tokens';

/** Links a new local user to MODE; never throws: failures leave the link pending. */
export interface AccountLinker {
  tryLink(userId: string): Promise<void>;
}

export interface Session {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

export interface Client {
  ip?: string;
  /** The User-Agent header, kept on the session a login starts. */
  userAgent?: string;
}

/** The e-mails registration sends: a verification link, or the claim of an invited address. */
export interface RegistrationEmails {
  sendVerification(user: { id: string; email: string }): Promise<void>;
  requestClaim(invitee: { id: string; email: string }): Promise<void>;
}

/** Registering with an invited address: nothing is signed in until the link sent there is followed. */
export interface ClaimPending {
  verificationSent: true;
  email: string;
}

export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly accessTokens: AccessTokens,
    private readonly refreshTokens: RefreshTokens,
    private readonly audit: AuditRepository,
    private readonly linker: AccountLinker,
    private readonly emails: RegistrationEmails,
    /** Migration at login (LEGACY_AUTH_URL); unset: unknown e-mails simply fail. */
    private readonly legacy?: LegacyMigration,
  ) {}

  async register(input: { email: string; password: string; name?: string }, client: Client): Promise<({ user: UserView } & Session) | ClaimPending> {
    const email = input.email.toLowerCase();
    const weaknesses = passwordWeaknesses(input.password, email);
    if (weaknesses.length > 0) {
      throw new ValidationError(weaknesses.map((message) => ({ field: 'body.password', message })), 'The password is too weak');
    }
    const existing = await this.users.findByEmail(email);
    if (existing && existing.status !== 'invited') throw new ConflictError('An account with this email already exists');
    if (existing) {
      // Someone was invited with this address; only its owner may take the account (and its homes):
      // whoever opens the link sent there chooses the password, so this request's one is not kept.
      await this.emails.requestClaim(existing);
      await this.audit.record({ actorType: 'anonymous', action: 'user.register', targetType: 'user', targetId: existing.id, result: 'pending', ip: client.ip, details: { claim: true } });
      return { verificationSent: true, email };
    }
    const passwordHash = await hashPassword(input.password);
    // ADMIN_EMAILS applies once the address is verified (email-owners.ts), never at sign-up.
    const role = 'user';
    const created = await this.users
      .create({ email, name: input.name ?? '', passwordHash, role, status: 'active' })
      .catch((error: unknown) => {
        if ((error as { code?: string }).code === 'P2002') throw new ConflictError('An account with this email already exists');
        throw error;
      });
    await this.audit.record({ actorType: 'user', actorId: created.id, action: 'user.register', targetType: 'user', targetId: created.id, result: 'success', ip: client.ip, details: { role } });
    await this.emails.sendVerification(created);
    await this.linker.tryLink(created.id);
    const user = (await this.users.findById(created.id)) ?? created;
    return { user: toUserView(user), ...(await this.startSession(user, client)) };
  }

  /**
   * The passport-local verify step: the same answer and comparable time for every failure. A
   * hash of an older format (or weaker argon2) is replaced by argon2id once the password proved right.
   */
  async verifyCredentials(email: string, password: string, client: Client): Promise<UserWithLink> {
    let user = await this.users.findByEmail(email);
    let refusal: string | undefined;
    if (!user && this.legacy) {
      const outcome = await this.askLegacySystem(email, password, client);
      if (outcome.kind === 'created') return outcome.user;
      if (outcome.kind === 'exists') user = outcome.user;
      else refusal = `legacy_${outcome.reason}`;
    }
    const valid = user?.passwordHash ? await verifyPassword(user.passwordHash, password) : refusal ? false : await burnPasswordCheck(password);
    if (!user || !valid || user.status !== 'active') {
      const reason = refusal ?? (!user ? 'unknown_email' : !valid ? 'wrong_password' : `status_${user.status}`);
      await this.audit.record({ actorType: 'anonymous', action: 'auth.login', targetType: 'user', targetId: user?.id ?? null, result: 'failure', ip: client.ip, details: { reason } });
      throw new UnauthenticatedError('The email or password is wrong', 'invalid_credentials');
    }
    return this.upgradeHashIfOld(user, password, client);
  }

  /** The old system's answer, while the same work as a password check is spent here too. */
  private async askLegacySystem(email: string, password: string, client: Client): Promise<LegacyOutcome> {
    const [outcome] = await Promise.all([this.legacy!.signIn(email, password, client), burnPasswordCheck(password)]);
    return outcome;
  }

  private async upgradeHashIfOld(user: UserWithLink, password: string, client: Client): Promise<UserWithLink> {
    const stored = user.passwordHash ? readStoredHash(user.passwordHash) : undefined;
    if (!user.passwordHash || !stored?.ok || !stored.needsRehash) return user;
    const passwordHash = await hashPassword(password);
    // Compare-and-set: a password changed since this login read the hash is left alone.
    if (!(await this.users.replacePasswordHash(user.id, user.passwordHash, passwordHash))) return user;
    await this.audit.record({ actorType: 'user', actorId: user.id, action: 'auth.password_rehash', targetType: 'user', targetId: user.id, result: 'success', ip: client.ip, details: { from: stored.format, to: 'argon2id' } });
    return { ...user, passwordHash };
  }

  async login(user: UserWithLink, client: Client): Promise<{ user: UserView } & Session> {
    await this.audit.record({ actorType: 'user', actorId: user.id, action: 'auth.login', targetType: 'user', targetId: user.id, result: 'success', ip: client.ip });
    return { user: toUserView(user), ...(await this.startSession(user, client)) };
  }

  async refresh(refreshToken: string, client: Client): Promise<Session> {
    let rotated;
    try {
      rotated = await this.refreshTokens.rotate(refreshToken, client);
    } catch (error) {
      if (error instanceof RefreshTokenReuseError) {
        await this.audit.record({ actorType: 'anonymous', action: 'auth.refresh_reuse', targetType: 'user', targetId: error.userId, result: 'denied', ip: client.ip });
      }
      throw error;
    }
    const user = await this.users.findById(rotated.userId);
    if (!user || user.status !== 'active') {
      await this.refreshTokens.revokeAllForUser(rotated.userId);
      throw new UnauthenticatedError('This account cannot be used');
    }
    const access = this.accessTokens.signUser({ userId: user.id, role: user.role, sessionId: rotated.sessionId });
    return { accessToken: access.token, refreshToken: rotated.refreshToken, expiresIn: access.expiresIn };
  }

  async logout(refreshToken: string, client: Client): Promise<void> {
    const userId = await this.refreshTokens.revoke(refreshToken);
    if (userId) await this.audit.record({ actorType: 'user', actorId: userId, action: 'auth.logout', targetType: 'user', targetId: userId, result: 'success', ip: client.ip });
  }

  /** Signs in a user that another flow has just verified (an accepted invitation). */
  async startSessionFor(user: UserWithLink, client: Client = {}): Promise<{ user: UserView } & Session> {
    return { user: toUserView(user), ...(await this.startSession(user, client)) };
  }

  /** A new session (refresh-token family) and its first token pair; the access token carries its ID. */
  private async startSession(user: UserWithLink, client: Client): Promise<Session> {
    const { sessionId, refreshToken } = await this.refreshTokens.start(user.id, { ip: client.ip, userAgent: client.userAgent });
    const access = this.accessTokens.signUser({ userId: user.id, role: user.role, sessionId });
    return { accessToken: access.token, refreshToken, expiresIn: access.expiresIn };
  }
}
